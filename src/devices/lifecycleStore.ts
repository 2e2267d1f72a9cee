// The transactional side of the device state machine: the only code that writes t_device.state_id.
// Locks the row, lets the pure transition table decide, writes device, history and the device.state_changed
// webhook event in one transaction.
import { Pool } from 'pg';
import { PgTransaction } from '../platform/db/postgres';
import { DeviceAction, decideTransition, describeState } from './lifecycle';
import { Actor, HistoryChannel, impliedAttribution } from './actor';
import { HistorySource, insertMilestone } from './store';
import { announceWebhookEvent } from '../webhooks/useCases';

export interface ApplyDeviceActionInput {
  deviceId: number;
  action: DeviceAction;
  source: HistorySource;
  batchActionId?: string | null;
  /** Makes a retried call a no-op: the first call's outcome is returned again. */
  idempotencyKey?: string | null;
  /** Merged into t_device.ext_fields in the same transaction (e.g. temp-lock fields). */
  extFieldsSet?: Record<string, unknown>;
  /** Keys removed from t_device.ext_fields in the same transaction. */
  extFieldsRemove?: string[];
  historyExtFields?: Record<string, unknown>;
  actor?: Actor;
  channel?: HistoryChannel;
  note?: string | null;
}

export type ApplyDeviceActionResult =
  | { ok: true; fromStateId: number; toStateId: number; historyId: number; alreadyApplied: boolean }
  | { ok: false; code: 'INVALID_TRANSITION' | 'DEVICE_NOT_FOUND'; message: string; stateId?: number };

/** Same as applyDeviceAction, inside a transaction the caller already holds. */
export async function applyDeviceActionIn(client: PgTransaction, input: ApplyDeviceActionInput): Promise<ApplyDeviceActionResult> {
  const { rows } = await client.query<{ state_id: number; previous_state_id: number | null; tenant_id: string; uid: string }>(
    'SELECT state_id, previous_state_id, tenant_id, uid FROM t_device WHERE id = $1 FOR UPDATE',
    [input.deviceId],
  );
  const device = rows[0];
  if (!device) return { ok: false, code: 'DEVICE_NOT_FOUND', message: `device ${input.deviceId} does not exist` };

  const earlier = await findEarlierApplication(client, input);
  if (earlier) return { ok: true, ...earlier, alreadyApplied: true };

  const decision = decideTransition({ stateId: device.state_id, previousStateId: device.previous_state_id }, input.action);
  if (!decision.ok) return { ok: false, code: decision.code, message: decision.message, stateId: device.state_id };

  await client.query(
    `UPDATE t_device
        SET state_id = $2, previous_state_id = $3, updated_at = now(),
            ext_fields = (ext_fields || $4::jsonb) - $5::text[]
      WHERE id = $1`,
    [input.deviceId, decision.toStateId, decision.previousStateId, JSON.stringify(input.extFieldsSet ?? {}), input.extFieldsRemove ?? []],
  );
  const historyId = await insertMilestone(client, {
    deviceId: input.deviceId,
    milestone: input.action,
    fromStateId: decision.fromStateId,
    toStateId: decision.toStateId,
    source: input.source,
    batchActionId: input.batchActionId,
    idempotencyKey: input.idempotencyKey,
    extFields: input.historyExtFields,
    actor: input.actor,
    channel: input.channel,
    note: input.note,
  });
  // The device row is locked and no earlier application was found, so the milestone is new.
  if (historyId === null) throw new Error(`device ${input.deviceId}: ${input.action} was recorded concurrently`);
  await announceWebhookEvent(client, {
    tenantId: device.tenant_id,
    type: 'device.state_changed',
    data: {
      deviceUid: device.uid,
      action: input.action,
      previousState: describeState(decision.fromStateId),
      state: describeState(decision.toStateId),
      historyEntryId: historyId,
      channel: input.channel ?? null,
      batchId: input.batchActionId ?? null,
      note: input.note ?? null,
    },
  });
  return {
    ok: true,
    fromStateId: decision.fromStateId,
    toStateId: decision.toStateId,
    historyId,
    alreadyApplied: false,
  };
}

async function findEarlierApplication(
  client: PgTransaction,
  input: ApplyDeviceActionInput,
): Promise<{ fromStateId: number; toStateId: number; historyId: number } | undefined> {
  if (!input.idempotencyKey && !input.batchActionId) return undefined;
  const { rows } = await client.query<{ id: string; from_state_id: number; to_state_id: number }>(
    input.idempotencyKey
      ? 'SELECT id, from_state_id, to_state_id FROM t_device_history WHERE idempotency_key = $1'
      : 'SELECT id, from_state_id, to_state_id FROM t_device_history WHERE batch_action_id = $1 AND device_id = $2 AND milestone_type = $3',
    input.idempotencyKey ? [input.idempotencyKey] : [input.batchActionId, input.deviceId, input.action],
  );
  const row = rows[0];
  return row ? { fromStateId: row.from_state_id, toStateId: row.to_state_id, historyId: Number(row.id) } : undefined;
}

/** One t_device_history row as the device's timeline shows it. */
export interface TimelineEntry {
  id: number;
  milestone: string;
  fromStateId: number | null;
  toStateId: number | null;
  source: HistorySource;
  batchId: string | null;
  details: Record<string, unknown>;
  actor: Actor;
  channel: HistoryChannel | null;
  note: string | null;
  at: Date;
}

/** The device's milestones, oldest first, at most `limit`. */
export async function deviceTimeline(pool: Pool, deviceId: number, limit: number): Promise<TimelineEntry[]> {
  const { rows } = await pool.query(
    `SELECT id, milestone_type, from_state_id, to_state_id, source, batch_action_id, ext_fields, actor, channel, note, created_at
       FROM t_device_history WHERE device_id = $1 ORDER BY id LIMIT $2`,
    [deviceId, limit],
  );
  return rows.map((r) => {
    const implied = impliedAttribution(r.source, r.batch_action_id, r.ext_fields?.requestedBy);
    return {
      id: Number(r.id),
      milestone: r.milestone_type,
      fromStateId: r.from_state_id,
      toStateId: r.to_state_id,
      source: r.source,
      batchId: r.batch_action_id,
      details: r.ext_fields,
      actor: r.actor ?? implied.actor,
      channel: r.channel ?? implied.channel,
      note: r.note,
      at: r.created_at,
    };
  });
}
