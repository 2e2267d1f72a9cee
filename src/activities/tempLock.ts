// Activities of the TempLock workflow: gateway commands, working-hours arithmetic (time zones stay out of
// workflow code), the device's LOCK/UNLOCK through the state machine, and the status documents in MongoDB.
// Every write is idempotent: retried activities find the first write (keys derived from the action id).
import { Pool, PoolClient } from 'pg';
import { applyDeviceActionIn } from '../db/deviceLifecycleStore';
import { MongoStores } from '../db/mongo';
import { inTransaction } from '../db/postgres';
import { findApplicableWorkingHours } from '../db/workingHoursStore';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAX_UNLOCK_LEAD_MS, TempLockMilestone, TempLockStatus, tempLockHistoryKey } from '../domain/tempLock';
import { nextWorkingInstant } from '../domain/workingHours';
import { DeviceControlGateway, GatewayCommand } from '../gateway/deviceControlGateway';

export interface TempLockActivityDeps {
  pool: Pool;
  mongo: MongoStores;
  gateway: DeviceControlGateway;
}

/** The static facts of an action, written once when its document is created. */
export interface TempLockActionFacts {
  actionId: string;
  tenantId: string;
  deviceUid: string;
  deviceId: number;
  workflowId: string;
  durationMinutes: number;
  durationMs: number;
  workingHours: boolean;
  notification: unknown;
  requestedBy: string;
}

export interface TempLockTransition {
  facts: TempLockActionFacts;
  seq: number;
  status: TempLockStatus;
  /** Epoch ms of the transition (workflow time). */
  at: number;
  nextProcessTime?: number | null;
  checkedInAt?: number | null;
  lockStartedAt?: number | null;
  lockEndsAt?: number | null;
  cancelReason?: string | null;
  note?: string | null;
  /** Also written to t_device_history, once per action. */
  milestone?: TempLockMilestone;
}

export interface WorkingInstant {
  /** The instant asked about (epoch ms). */
  at: number;
  /** The next working instant at or after `at`; null when the calendar never opens. */
  next: number | null;
  calendarTenantId: string | null;
}

export interface InventoryLockResult {
  /** false when the state machine refused LOCK (e.g. the device is RELEASED): then nothing is to be resumed. */
  locked: boolean;
  note: string | null;
}

export function createTempLockActivities({ pool, mongo, gateway }: TempLockActivityDeps) {
  return {
    async sendLockCommand(command: GatewayCommand): Promise<number> {
      return (await gateway.sendLock(command)).acceptedAt;
    },

    /** Sends the unlock at its dueAt, not before (the lock's timer fires early by the unlock lead, see tempLock.ts). */
    async sendUnlockCommand(command: GatewayCommand): Promise<number> {
      // A loop: a timer may fire a millisecond before the wall clock reaches its end.
      const waitUntil = command.dueAt == null ? 0 : Math.min(command.dueAt, Date.now() + MAX_UNLOCK_LEAD_MS);
      for (let early = waitUntil - Date.now(); early > 0; early = waitUntil - Date.now()) await sleep(early);
      return (await gateway.sendUnlock(command)).acceptedAt;
    },

    /**
     * The next working instant of the tenant's calendar at or after `at` (default: now). Without a
     * calendar every instant is working time.
     */
    async nextWorkingInstantOf({ tenantId, at }: { tenantId: string; at?: number }): Promise<WorkingInstant> {
      const instant = at ?? Date.now();
      const stored = await findApplicableWorkingHours(pool, tenantId);
      if (!stored) return { at: instant, next: instant, calendarTenantId: null };
      const next = nextWorkingInstant(stored.calendar, new Date(instant));
      return { at: instant, next: next?.getTime() ?? null, calendarTenantId: stored.tenantId };
    },

    /** The device goes LOCKED (hold) with the lock's ext_fields, and TEMP_LOCK_ACTIVATED is written, in one transaction. */
    async lockDeviceForTempLock(input: {
      facts: TempLockActionFacts;
      checkedInAt: number;
      lockStartedAt: number;
      lockEndsAt: number;
    }): Promise<InventoryLockResult> {
      const { facts } = input;
      return inTransaction(pool, async (client) => {
        const outcome = await applyDeviceActionIn(client, {
          deviceId: facts.deviceId,
          action: 'LOCK',
          source: 'TEMP_LOCK',
          idempotencyKey: tempLockHistoryKey(facts.actionId, 'LOCK'),
          extFieldsSet: { lock_duration: facts.durationMinutes, first_temp_lock_checkin_at: Math.floor(input.checkedInAt / 1000) },
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
    },

    /** The device resumes its previous state and loses the lock's ext_fields; the milestone is written with it. */
    async unlockDeviceAfterTempLock(input: {
      facts: TempLockActionFacts;
      wasLocked: boolean;
      milestone: 'TEMP_LOCK_DEACTIVATED' | 'TEMP_LOCK_CANCELLED';
      reason?: string | null;
    }): Promise<{ note: string | null }> {
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
    },

    /**
     * Writes a transition: the action document (created on first sight, then updated with the latest `seq`),
     * the history entry `<actionId>/<seq>`, and the milestone if any.
     */
    async recordTempLockTransition(t: TempLockTransition): Promise<void> {
      const { facts } = t;
      const at = new Date(t.at);
      // The first transition creates the document; for later ones this upsert matches and changes nothing.
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
            duration: facts.durationMinutes,
            duration_ms: facts.durationMs,
            is_enabled_working_hour: facts.workingHours,
            notification: facts.notification ?? null,
            next_process_time: null,
            checked_in_at: null,
            lock_started_at: null,
            lock_ends_at: null,
            cancel_reason: null,
            note: null,
            created_by: facts.requestedBy,
            created_at: at,
            updated_at: at,
          },
        },
        { upsert: true },
      );
      const changes: Partial<Record<string, unknown>> = { status: t.status, seq: t.seq, updated_at: at };
      if (t.nextProcessTime !== undefined) changes.next_process_time = toDate(t.nextProcessTime);
      if (t.checkedInAt !== undefined) changes.checked_in_at = toDate(t.checkedInAt);
      if (t.lockStartedAt !== undefined) changes.lock_started_at = toDate(t.lockStartedAt);
      if (t.lockEndsAt !== undefined) changes.lock_ends_at = toDate(t.lockEndsAt);
      if (t.cancelReason !== undefined) changes.cancel_reason = t.cancelReason;
      if (t.note !== undefined) changes.note = t.note;
      // Filtered by _id alone: FerretDB serves only _id lookups from an index (any other filter scans the
      // collection). Order is kept by the workflow, which writes an action's transitions one after another.
      await mongo.deviceActions.updateOne({ _id: facts.actionId }, { $set: changes });

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
    },
  };
}

function toDate(epochMs: number | null): Date | null {
  return epochMs === null ? null : new Date(epochMs);
}

async function insertMilestone(
  client: PoolClient,
  facts: TempLockActionFacts,
  milestone: TempLockMilestone,
  extra: Record<string, unknown>,
): Promise<void> {
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
