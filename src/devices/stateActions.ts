// POST /v1/devices/:uid/actions (SPEC §9, seeds 003/004): one state action on one device, through the one state
// machine, in one transaction with its history row, recorded with who asked, through what channel and their note.
// LOCK and UNLOCK by hand are refused while a temp lock runs on the device (the lock owns the device's lock state),
// and tell the device through the gateway: they run in a workflow (stateActionRun.ts), the others here.
import type { Pool } from 'pg';
import { Actor, apiKeyActor } from './actor';
import { DeviceAction, allowedActions, describeState } from './lifecycle';
import { applyDeviceActionIn } from './lifecycleStore';
import type { DeviceRecord } from './store';
import { findCurrentTempLock } from '../tempLocks/useCases';
import { inTransaction } from '../platform/db/postgres';
import type { Caller } from '../platform/http/auth';
import type { ClientChannel } from '../platform/http/channel';
import { ProblemError } from '../platform/http/problem';
import type { ApiErrorCode, DeviceResultCode } from '../platform/errorCodes';

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

/** A state action the device cannot take, as the problem the API answers (plain data: it crosses a workflow). */
export interface StateActionRefusal {
  refused: { status: 404 | 409 | 503; code: ApiErrorCode | DeviceResultCode; message: string; details: Record<string, unknown> };
}

/** The device as a state action needs it (plain data: it crosses a workflow). */
export type ActionDevice = Pick<DeviceRecord, 'id' | 'uid' | 'tenantId' | 'stateId'>;

/** What applies one state action: who, through what channel, with what note, and the key that applies it once. */
export interface StateActionApplication {
  action: DeviceAction;
  note: string | null;
  channel: ClientChannel;
  actor: Actor;
  /** Scoped to the device; the same key applies the action once and answers its outcome again. */
  applyKey: string | null;
}

/** A state action other than LOCK and UNLOCK, applied here and answered (200), or its refusal thrown as a problem. */
export async function applyStateAction(pool: Pool, caller: Caller, device: DeviceRecord, request: StateActionRequest) {
  return answeredOrThrown(await stateActionOutcome(pool, device, applicationOf(caller, device, request)));
}

export function applicationOf(caller: Caller, device: ActionDevice, request: StateActionRequest): StateActionApplication {
  const { action, note, channel, idempotencyKey } = request;
  const applyKey = idempotencyKey ? `${device.tenantId}/${device.uid}/action/${idempotencyKey}` : null;
  return { action, note, channel, actor: apiKeyActor(caller), applyKey };
}

export function answeredOrThrown<T extends object>(outcome: T | StateActionRefusal): T {
  if (!('refused' in outcome)) return outcome;
  const { status, code, message, details } = outcome.refused;
  throw new ProblemError(status, code, message, details);
}

/** Applies one state action in one transaction with its history row; refusals come back as data. */
export async function stateActionOutcome(
  pool: Pool,
  device: ActionDevice,
  application: StateActionApplication,
): Promise<StateActionOutcome | StateActionRefusal> {
  const { action } = application;
  if (action === 'LOCK' || action === 'UNLOCK') {
    const refusal = await refusalWhileTempLockRuns(pool, device, action);
    if (refusal) return refusal;
  }
  const applied = await inTransaction(pool, (tx) =>
    applyDeviceActionIn(tx, {
      deviceId: device.id,
      action,
      source: 'API',
      idempotencyKey: application.applyKey,
      actor: application.actor,
      channel: application.channel,
      note: application.note,
    }),
  );
  if (!applied.ok && applied.code === 'DEVICE_NOT_FOUND') return refusal(404, 'DEVICE_NOT_FOUND', `no device ${device.uid}`, {});
  if (!applied.ok) {
    const state = describeState(applied.stateId ?? device.stateId);
    const allowed = allowedActions(applied.stateId ?? device.stateId);
    return refusal(
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

async function refusalWhileTempLockRuns(pool: Pool, device: ActionDevice, action: DeviceAction): Promise<StateActionRefusal | null> {
  const lock = await findCurrentTempLock(pool, device.id);
  if (!lock) return null;
  return refusal(
    409,
    'TEMP_LOCK_RUNNING',
    `device ${device.uid} has temp lock ${lock.actionId} running (${lock.status}); ${action} by hand would fight it: cancel the temp lock first, then send ${action} again`,
    { deviceUid: device.uid, action, tempLockActionId: lock.actionId, tempLockStatus: lock.status },
  );
}

function refusal(
  status: StateActionRefusal['refused']['status'],
  code: StateActionRefusal['refused']['code'],
  message: string,
  details: Record<string, unknown>,
): StateActionRefusal {
  return { refused: { status, code, message, details } };
}
