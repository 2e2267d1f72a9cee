// The temp-lock aggregate's data: the action documents and their timeline in MongoDB (`device_actions`,
// `device_action_history`), and the lock's side of the inventory in PostgreSQL (the device's LOCK/UNLOCK
// through the state machine, the TEMP_LOCK_* milestones). Every write is idempotent: keys derive from the
// action id and the transition's sequence number, so a retried activity finds the first write.
import { Pool } from 'pg';
import {
  Directive,
  FINAL_TEMP_LOCK_STATUSES,
  LockAsSeen,
  TempLockMilestone,
  TempLockStatus,
  answerCheckIn,
  tempLockHistoryKey,
} from './lock';
import { applyDeviceActionIn } from '../devices/useCases';
import { announceWebhookEvent } from '../webhooks/useCases';
import { DeviceActionDoc, DeviceActionHistoryDoc, MongoStores } from '../platform/db/mongo';
import { PgTransaction, Queryable, inTransaction } from '../platform/db/postgres';

/** Who a lock is for: the ids every write of the lock carries. */
export interface TempLockFacts {
  actionId: string;
  tenantId: string;
  deviceUid: string;
  deviceId: number;
  workflowId: string;
}

/** What the first transition writes once: the document's static fields. */
interface TempLockTerms {
  durationMinutes: number;
  durationMs: number;
  workingHours: boolean;
  notification: unknown;
  requestedBy: string;
}

export interface TempLockTransition {
  facts: TempLockFacts;
  /** Given with the first transition (seq 1), which creates the document. */
  terms?: TempLockTerms;
  seq: number;
  status: TempLockStatus;
  /** Epoch ms of the transition (workflow time). */
  at: number;
  nextProcessTime?: number | null;
  checkedInAt?: number | null;
  lockStartedAt?: number | null;
  lockEndsAt?: number | null;
  /** Why the lock was cancelled or failed. */
  endReason?: string | null;
  note?: string | null;
  /** Also written to t_device_history, once per action. */
  milestone?: TempLockMilestone;
  /** What the transition does to the device in the inventory (PostgreSQL), besides the lock's documents. */
  inventory?: InventoryChange;
}

/**
 * LOCK: the device goes LOCKED (hold) with the lock's ext_fields, with TEMP_LOCK_ACTIVATED. RESUME: the device
 * resumes its previous state (if it was locked) and loses them, with the lock's final milestone.
 */
type InventoryChange =
  | { kind: 'LOCK'; durationMinutes: number; checkedInAt: number; lockStartedAt: number; lockEndsAt: number }
  | {
      kind: 'RESUME';
      wasLocked: boolean;
      milestone: 'TEMP_LOCK_DEACTIVATED' | 'TEMP_LOCK_CANCELLED' | 'TEMP_LOCK_FAILED';
      reason?: string | null;
    };

export interface InventoryLockResult {
  /** false when the state machine refused LOCK (e.g. the device is RELEASED): then nothing is to be resumed. */
  locked: boolean;
  note: string | null;
}

/**
 * Writes transitions in order, each with its inventory change: a LOCK after the transition's documents (a
 * check-in sees ACTIVATED without waiting for the inventory), a RESUME before them (a final status is stored
 * once the device has resumed; the resume's note joins the transition's). The workflow hands over in one call
 * the transitions it made while the previous call ran: one activity, one workflow task, however many.
 * Returns the LOCK's outcome when one was written.
 */
export async function writeTempLockTransitions(
  pool: Pool,
  mongo: MongoStores,
  transitions: TempLockTransition[],
): Promise<InventoryLockResult | null> {
  let locked: InventoryLockResult | null = null;
  for (const transition of transitions) {
    const change = transition.inventory;
    if (change?.kind === 'RESUME') {
      const { note } = await unlockDeviceAfterTempLock(pool, { facts: transition.facts, ...change });
      const notes = [transition.note, note].filter((n) => n != null);
      await recordTempLockTransition(pool, mongo, notes.length > 0 ? { ...transition, note: notes.join('; ') } : transition);
    } else {
      await recordTempLockTransition(pool, mongo, transition);
      if (change?.kind === 'LOCK') locked = await lockDeviceForTempLock(pool, { facts: transition.facts, ...change });
    }
  }
  return locked;
}

/**
 * Writes a transition: first the device's row its check-ins are answered from (so a MongoDB outage never keeps
 * them answered from an older status), then the action document (created by the first, then updated with the
 * latest `seq`; an older transition retried late changes nothing), the history entry `<actionId>/<seq>`, and
 * the milestone.
 */
async function recordTempLockTransition(pool: Pool, mongo: MongoStores, t: TempLockTransition): Promise<void> {
  const { facts } = t;
  const at = new Date(t.at);
  await recordDeviceTempLock(pool, t);
  if (t.terms) {
    await mongo.deviceActions.updateOne(
      { _id: facts.actionId },
      {
        $setOnInsert: {
          action: 'TEMP_LOCK',
          tenant_id: facts.tenantId,
          device_uid: facts.deviceUid,
          device_id: facts.deviceId,
          workflow_id: facts.workflowId,
          status: t.status,
          seq: 0,
          duration: t.terms.durationMinutes,
          duration_ms: t.terms.durationMs,
          is_enabled_working_hour: t.terms.workingHours,
          notification: t.terms.notification ?? null,
          next_process_time: null,
          checked_in_at: null,
          lock_started_at: null,
          lock_ends_at: null,
          cancel_reason: null,
          note: null,
          created_by: t.terms.requestedBy,
          created_at: at,
          updated_at: at,
        },
      },
      { upsert: true },
    );
  }
  const changes: Partial<Record<string, unknown>> = { status: t.status, seq: t.seq, updated_at: at };
  if (t.nextProcessTime !== undefined) changes.next_process_time = toDate(t.nextProcessTime);
  if (t.checkedInAt !== undefined) changes.checked_in_at = toDate(t.checkedInAt);
  if (t.lockStartedAt !== undefined) changes.lock_started_at = toDate(t.lockStartedAt);
  if (t.lockEndsAt !== undefined) changes.lock_ends_at = toDate(t.lockEndsAt);
  if (t.endReason !== undefined) changes.cancel_reason = t.endReason;
  if (t.note !== undefined) changes.note = t.note;
  // The workflow writes an action's transitions one after another; `seq` keeps a late retry from going back.
  await mongo.deviceActions.updateOne({ _id: facts.actionId, seq: { $lt: t.seq } }, { $set: changes });

  const detail: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) if (!['status', 'seq', 'updated_at'].includes(key)) detail[key] = value;
  await mongo.deviceActionHistory.updateOne(
    { _id: `${facts.actionId}/${t.seq}` },
    {
      $setOnInsert: {
        action_id: facts.actionId,
        tenant_id: facts.tenantId,
        device_uid: facts.deviceUid,
        seq: t.seq,
        status: t.status,
        at,
        detail,
      },
    },
    { upsert: true },
  );
  if (t.milestone) await inTransaction(pool, (client) => insertMilestone(client, facts, t.milestone!, {}));
}

/**
 * The device's current lock in t_device_temp_lock, what its check-ins are answered from: replaced by a newer
 * lock's first transition (an overriding lock starts only once the one it overrides has ended, so its first
 * transition is later than all of the older lock's; a late retry of an older lock's first write replaces
 * nothing), then updated by its later ones in `seq` order.
 */
async function recordDeviceTempLock(pool: Pool, t: TempLockTransition): Promise<void> {
  await inTransaction(pool, async (client) => {
    const written = await writeDeviceTempLockRow(client, t);
    // Only a transition that changed the row is announced: a late retry of an older one changes nothing.
    if (written) await announceLockStatus(client, t);
  });
}

async function writeDeviceTempLockRow(client: PgTransaction, t: TempLockTransition): Promise<boolean> {
  const { facts } = t;
  if (t.terms) {
    const inserted = await client.query(
      `INSERT INTO t_device_temp_lock (device_id, action_id, status, seq, duration_ms, working_hours, lock_ends_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)
       ON CONFLICT (device_id) DO UPDATE SET action_id = EXCLUDED.action_id, status = EXCLUDED.status, seq = EXCLUDED.seq,
         duration_ms = EXCLUDED.duration_ms, working_hours = EXCLUDED.working_hours, lock_ends_at = NULL, updated_at = EXCLUDED.updated_at
       WHERE (t_device_temp_lock.action_id <> EXCLUDED.action_id AND t_device_temp_lock.updated_at < EXCLUDED.updated_at)
          OR (t_device_temp_lock.action_id = EXCLUDED.action_id AND t_device_temp_lock.seq < EXCLUDED.seq)`,
      [facts.deviceId, facts.actionId, t.status, t.seq, t.terms.durationMs, t.terms.workingHours, new Date(t.at)],
    );
    return inserted.rowCount === 1;
  }
  const updated = await client.query(
    `UPDATE t_device_temp_lock SET status = $3, seq = $4, updated_at = $5,
       lock_ends_at = CASE WHEN $6::boolean THEN $7::timestamptz ELSE lock_ends_at END
     WHERE device_id = $1 AND action_id = $2 AND seq < $4`,
    [facts.deviceId, facts.actionId, t.status, t.seq, new Date(t.at), t.lockEndsAt !== undefined, toDate(t.lockEndsAt ?? null)],
  );
  return updated.rowCount === 1;
}

async function announceLockStatus(client: PgTransaction, t: TempLockTransition): Promise<void> {
  const { facts } = t;
  await announceWebhookEvent(client, {
    tenantId: facts.tenantId,
    type: 'temp_lock.status_changed',
    data: {
      deviceUid: facts.deviceUid,
      actionId: facts.actionId,
      status: t.status,
      seq: t.seq,
      at: new Date(t.at).toISOString(),
      lockEndsAt: t.lockEndsAt == null ? null : new Date(t.lockEndsAt).toISOString(),
      reason: t.endReason ?? null,
    },
  });
}

/** The device goes LOCKED (hold) with the lock's ext_fields, and TEMP_LOCK_ACTIVATED is written, in one transaction. */
async function lockDeviceForTempLock(
  pool: Pool,
  input: { facts: TempLockFacts; durationMinutes: number; checkedInAt: number; lockStartedAt: number; lockEndsAt: number },
): Promise<InventoryLockResult> {
  const { facts } = input;
  return inTransaction(pool, async (client) => {
    const outcome = await applyDeviceActionIn(client, {
      deviceId: facts.deviceId,
      action: 'LOCK',
      source: 'TEMP_LOCK',
      idempotencyKey: tempLockHistoryKey(facts.actionId, 'LOCK'),
      extFieldsSet: { lock_duration: input.durationMinutes, first_temp_lock_checkin_at: Math.floor(input.checkedInAt / 1000) },
      historyExtFields: { actionId: facts.actionId, workflowId: facts.workflowId },
    });
    const note = outcome.ok ? null : `device not locked in the inventory: ${outcome.message}`;
    await insertMilestone(client, facts, 'TEMP_LOCK_ACTIVATED', {
      checkedInAt: new Date(input.checkedInAt).toISOString(),
      lockStartedAt: new Date(input.lockStartedAt).toISOString(),
      lockEndsAt: new Date(input.lockEndsAt).toISOString(),
      ...(note ? { note } : {}),
    });
    return { locked: outcome.ok, note };
  });
}

/** The device resumes its previous state and loses the lock's ext_fields (if it was locked); the milestone goes with it. */
async function unlockDeviceAfterTempLock(
  pool: Pool,
  input: { facts: TempLockFacts } & Omit<Extract<InventoryChange, { kind: 'RESUME' }>, 'kind'>,
): Promise<{ note: string | null }> {
  const { facts } = input;
  return inTransaction(pool, async (client) => {
    let note: string | null = null;
    if (input.wasLocked) {
      const outcome = await applyDeviceActionIn(client, {
        deviceId: facts.deviceId,
        action: 'UNLOCK',
        source: 'TEMP_LOCK',
        idempotencyKey: tempLockHistoryKey(facts.actionId, 'UNLOCK'),
        extFieldsRemove: ['lock_duration', 'first_temp_lock_checkin_at'],
        historyExtFields: { actionId: facts.actionId, workflowId: facts.workflowId },
      });
      if (!outcome.ok) note = `device not resumed in the inventory: ${outcome.message}`;
    }
    await insertMilestone(client, facts, input.milestone, {
      ...(input.reason ? { reason: input.reason } : {}),
      ...(note ? { note } : {}),
    });
    return { note };
  });
}

/** A device's current lock as its check-ins see it (t_device_temp_lock). */
export interface DeviceTempLock extends LockAsSeen {
  actionId: string;
  workingHours: boolean;
}

/** The device's newest temp lock (running or not), or null if it never had one: one primary-key read. */
export async function findDeviceTempLock(pool: Queryable, deviceId: number): Promise<DeviceTempLock | null> {
  const { rows } = await pool.query<{
    action_id: string;
    status: TempLockStatus;
    duration_ms: string;
    working_hours: boolean;
    lock_ends_at: Date | null;
  }>('SELECT action_id, status, duration_ms, working_hours, lock_ends_at FROM t_device_temp_lock WHERE device_id = $1', [deviceId]);
  const row = rows[0];
  if (!row) return null;
  return {
    actionId: row.action_id,
    status: row.status,
    durationMs: Number(row.duration_ms),
    workingHours: row.working_hours,
    lockEndsAt: row.lock_ends_at?.getTime() ?? null,
  };
}

/**
 * The devices whose lock waits for working time under `tenantId` (the tenant and its sub-workspaces, which work to
 * its calendar unless they have their own): whom a change of its working hours concerns.
 */
export async function findLocksWaitingForWorkingTime(pool: Pool, tenantId: string): Promise<{ tenantId: string; deviceUid: string }[]> {
  const { rows } = await pool.query<{ tenant_id: string; uid: string }>(
    `WITH RECURSIVE tree AS (
       SELECT id, 0 AS depth FROM t_tenant WHERE id = $1
       UNION ALL
       SELECT t.id, tree.depth + 1 FROM t_tenant t JOIN tree ON t.parent_id = tree.id WHERE tree.depth < 32
     )
     SELECT d.tenant_id, d.uid FROM t_device_temp_lock l JOIN t_device d ON d.id = l.device_id JOIN tree ON tree.id = d.tenant_id
      WHERE l.status = 'WAITING' AND l.working_hours`,
    [tenantId],
  );
  return rows.map((r) => ({ tenantId: r.tenant_id, deviceUid: r.uid }));
}

/** The document of the device's newest temp lock (running or not), or null if it never had one. */
export async function findLatestTempLock(pool: Pool, mongo: MongoStores, deviceId: number): Promise<DeviceActionDoc | null> {
  const lock = await findDeviceTempLock(pool, deviceId);
  return lock ? findTempLock(mongo, lock.actionId) : null;
}

async function findTempLock(mongo: MongoStores, actionId: string): Promise<DeviceActionDoc | null> {
  return mongo.deviceActions.findOne({ _id: actionId });
}

/** A lock's transitions, oldest first. */
export async function tempLockTimeline(mongo: MongoStores, actionId: string): Promise<DeviceActionHistoryDoc[]> {
  return mongo.deviceActionHistory.find({ action_id: actionId }).sort({ seq: 1 }).toArray();
}

export interface CurrentTempLock {
  actionId: string;
  status: TempLockStatus;
  /** What a check-in would be told now. */
  directive: Directive;
  lockEndsAt: Date | null;
}

/** The device's running temp lock as its stored state tells (GET /v1/devices/:uid), or null when none runs. */
export async function findCurrentTempLock(db: Queryable, deviceId: number): Promise<CurrentTempLock | null> {
  const lock = await findDeviceTempLock(db, deviceId);
  if (!lock || FINAL_TEMP_LOCK_STATUSES.includes(lock.status)) return null;
  const now = Date.now();
  const { directive } = answerCheckIn(lock, { checkedInAt: now, lockStartsAt: now });
  return {
    actionId: lock.actionId,
    status: lock.status,
    directive,
    lockEndsAt: lock.lockEndsAt === null ? null : new Date(lock.lockEndsAt),
  };
}

/** The temp locks not yet ended on any of these devices, keyed by device id: one query for a page of devices. */
export async function findRunningTempLocks(
  pool: Pool,
  deviceIds: readonly number[],
): Promise<Map<number, { actionId: string; status: string }>> {
  const { rows } = await pool.query<{ device_id: string; action_id: string; status: string }>(
    'SELECT device_id, action_id, status FROM t_device_temp_lock WHERE device_id = ANY($1) AND NOT (status = ANY($2))',
    [deviceIds, [...FINAL_TEMP_LOCK_STATUSES]],
  );
  return new Map(rows.map((r) => [Number(r.device_id), { actionId: r.action_id, status: r.status }]));
}

function toDate(epochMs: number | null): Date | null {
  return epochMs === null ? null : new Date(epochMs);
}

async function insertMilestone(client: PgTransaction, facts: TempLockFacts, milestone: TempLockMilestone, extra: Record<string, unknown>) {
  await client.query(
    `INSERT INTO t_device_history (device_id, milestone_type, from_state_id, to_state_id, source, idempotency_key, ext_fields)
     VALUES ($1, $2, NULL, NULL, 'TEMP_LOCK', $3, $4)
     ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
    [
      facts.deviceId,
      milestone,
      tempLockHistoryKey(facts.actionId, milestone),
      JSON.stringify({ actionId: facts.actionId, workflowId: facts.workflowId, workflowName: 'tempLock', ...extra }),
    ],
  );
}

export interface TempLockFigures {
  /** How many devices' newest temp lock is in each status. */
  byStatus: Partial<Record<TempLockStatus, number>>;
  /** By status, how far (seconds) the lock furthest past its end is past it; statuses with none are left out. */
  pastEndSeconds: Partial<Record<TempLockStatus, number>>;
}

/** The operators' dashboard's figures of the temp locks (GET /metrics), in one query. */
export async function tempLockFigures(pool: Pool): Promise<TempLockFigures> {
  const { rows } = await pool.query<{ status: TempLockStatus; n: number; past_end_s: number | null }>(
    `SELECT status, count(*)::int AS n,
            (max(extract(epoch FROM now() - lock_ends_at)) FILTER (WHERE lock_ends_at < now()))::float8 AS past_end_s
       FROM t_device_temp_lock GROUP BY status`,
  );
  return {
    byStatus: Object.fromEntries(rows.map((r) => [r.status, r.n])),
    pastEndSeconds: Object.fromEntries(rows.filter((r) => r.past_end_s !== null).map((r) => [r.status, r.past_end_s])),
  };
}
