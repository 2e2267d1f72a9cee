// The body of POST /v1/devices/:uid/actions: {"action": one of the state machine's actions, "note"?: text}.
import { DeviceAction, DeviceActions, isDeviceAction } from './lifecycle';
import { MAX_NOTE_LENGTH } from './stateActions';
import { ProblemError } from '../platform/http/problem';

export function parseStateAction(body: unknown): { action: DeviceAction; note: string | null } {
  const { action, note } = (body ?? {}) as { action?: unknown; note?: unknown };
  if (!isDeviceAction(action)) {
    throw new ProblemError(400, 'VALIDATION_FAILED', `action must be one of ${DeviceActions.join(', ')}`);
  }
  if (note !== undefined && note !== null && typeof note !== 'string')
    throw new ProblemError(400, 'VALIDATION_FAILED', 'note must be text');
  if (typeof note === 'string' && note.length > MAX_NOTE_LENGTH) {
    throw new ProblemError(400, 'VALIDATION_FAILED', `note is longer than ${MAX_NOTE_LENGTH} characters`);
  }
  return { action, note: typeof note === 'string' && note.trim() ? note.trim() : null };
}
