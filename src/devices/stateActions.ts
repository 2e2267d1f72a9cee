// POST /v1/devices/:uid/actions (SPEC §9, seeds 003/004): one state action on one device, through the one state
// machine, in one transaction with its history row, recorded with who asked, through what channel and their note.
// LOCK and UNLOCK by hand are refused while a temp lock runs on the device: the lock owns the device's lock state.
import type { Pool } from 'pg';
import { apiKeyActor } from './actor';
import { DeviceAction, allowedActions, describeState } from './lifecycle';
import { applyDeviceActionIn } from './lifecycleStore';
import type { DeviceRecord } from './store';
import { findCurrentTempLock } from '../tempLocks/useCases';
import { inTransaction } from '../platform/db/postgres';
import type { Caller } from '../platform/http/auth';
import type { ClientChannel } from '../platform/http/channel';
import { ProblemError } from '../platform/http/problem';

/** The longest note kept with a state action. */
export const MAX_NOTE_LENGTH = 1000;

export interface StateActionRequest {
  action: DeviceAction;
  note: string | null;
  channel: ClientChannel;
  /** The request's Idempotency-Key: the same key applies the action once and answers its outcome again. */
  idempotencyKey: string | null;
}

export interface StateActionOutcome {
  uid: string;
  previousState: string;
  state: string;
  allowedActions: string[];
  historyEntryId: number;
}

export async function applyStateAction(
  pool: Pool,
  caller: Caller,
  device: DeviceRecord,
  request: StateActionRequest,
): Promise<StateActionOutcome> {
  const { action } = request;
  if (action === 'LOCK' || action === 'UNLOCK') await refuseWhileTempLockRuns(pool, device, action);
  const applied = await inTransaction(pool, (tx) =>
    applyDeviceActionIn(tx, {
      deviceId: device.id,
      action,
      source: 'API',
      idempotencyKey: request.idempotencyKey ? `${device.tenantId}/${device.uid}/action/${request.idempotencyKey}` : null,
      actor: apiKeyActor(caller),
      channel: request.channel,
      note: request.note,
    }),
  );
  if (!applied.ok && applied.code === 'DEVICE_NOT_FOUND') throw new ProblemError(404, 'DEVICE_NOT_FOUND', `no device ${device.uid}`);
  if (!applied.ok) {
    const state = describeState(applied.stateId ?? device.stateId);
    const allowed = allowedActions(applied.stateId ?? device.stateId);
    throw new ProblemError(
      409,
      'INVALID_TRANSITION',
      `device ${device.uid}: ${applied.message}. Choose one of the allowed actions, or read the device again if its state changed`,
      { deviceUid: device.uid, action, state, allowedActions: allowed },
    );
  }
  return {
    uid: device.uid,
    previousState: describeState(applied.fromStateId),
    state: describeState(applied.toStateId),
    allowedActions: allowedActions(applied.toStateId),
    historyEntryId: applied.historyId,
  };
}

async function refuseWhileTempLockRuns(pool: Pool, device: DeviceRecord, action: DeviceAction): Promise<void> {
  const lock = await findCurrentTempLock(pool, device.id);
  if (!lock) return;
  throw new ProblemError(
    409,
    'TEMP_LOCK_RUNNING',
    `device ${device.uid} has temp lock ${lock.actionId} running (${lock.status}); ${action} by hand would fight it: cancel the temp lock first, then send ${action} again`,
    { deviceUid: device.uid, action, tempLockActionId: lock.actionId, tempLockStatus: lock.status },
  );
}
