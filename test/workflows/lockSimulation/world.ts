// What one simulated device's world holds, in memory: the lock's stored documents and the check-in row the API
// answers from (modelled on src/tempLocks/store.ts: t_device_temp_lock replaced by a lock's first transition,
// then updated by its later ones in seq order), the device's inventory state, the tenant's calendar, the
// gateway's answers as the schedule drew them, and a log of everything the device and the gateway saw.
import type { InventoryLockResult, TempLockTransition } from '../../../src/tempLocks/store';
import { FINAL_TEMP_LOCK_STATUSES, type Directive, type TempLockStatus } from '../../../src/tempLocks/lock';
import type { GatewayAnswer, Push, Schedule } from './schedule';

/** The check-in row (t_device_temp_lock). */
export interface CheckInRow {
  actionId: string;
  status: TempLockStatus;
  seq: number;
  durationMs: number;
  workingHours: boolean;
  lockEndsAt: number | null;
  /** The transition's time (workflow clock) of the last write: only a newer lock's first transition replaces the row. */
  updatedAt: number;
}

/** Times are ms after the schedule's start (server clock). */
export type WorldEvent =
  | { type: 'assigned'; at: number; actionId: string; lock: number; inventory: string }
  | { type: 'answer'; at: number; actionId: string | null; status: TempLockStatus | null; directive: Directive; lockUntil: number | null }
  | { type: 'signalled'; at: number; actionId: string; directive: Directive }
  | { type: 'cancel'; at: number; actionId: string | null; reason: string }
  | { type: 'attempt'; at: number; kind: 'LOCK' | 'UNLOCK'; actionId: string; answer: string }
  | { type: 'accepted'; at: number; kind: 'LOCK' | 'UNLOCK'; actionId: string }
  | { type: 'stored'; at: number; actionId: string; seq: number; status: TempLockStatus }
  | { type: 'final'; at: number; actionId: string; status: TempLockStatus; reason: string | null; inventory: string }
  | { type: 'storeOutage'; at: number; landed: boolean }
  | { type: 'restart'; at: number }
  | { type: 'note'; at: number; text: string };

/** What the simulation knows of each lock it started. */
export interface StartedLock {
  lock: number;
  actionId: string;
  workflowId: string;
  firstRunId: string;
}

export class DeviceWorld {
  readonly tenantId: string;
  readonly deviceUid: string;
  /** Server time of the schedule's start (set when its actor begins). */
  startedAt = 0;
  row: CheckInRow | null = null;
  readonly docs = new Map<string, { status: TempLockStatus; seq: number; endReason: string | null }>();
  inventory: { state: string; beforeLock: string | null };
  readonly log: WorldEvent[] = [];
  readonly locks: StartedLock[] = [];
  private readonly appliedInventory = new Set<string>();
  private readonly commandAttempts = new Map<string, number>();
  private writeAttempts = 0;
  private accepted = 0;

  constructor(
    readonly schedule: Schedule,
    /** The test server's clock (epoch ms). */
    readonly serverNow: () => Promise<number>,
  ) {
    this.tenantId = `sim-tenant-${schedule.seed}`;
    this.deviceUid = `sim-device-${schedule.seed}`;
    this.inventory = { state: schedule.deviceState, beforeLock: null };
  }

  get deviceId(): number {
    return this.schedule.seed;
  }

  /** Logs an event at the server's current time; returns that time (epoch ms). */
  async record(event: DistributiveOmit<WorldEvent, 'at'>): Promise<number> {
    const now = await this.serverNow();
    this.log.push({ ...event, at: now - this.startedAt } as WorldEvent);
    return now;
  }

  /** The tenant's next working instant at or after `at` (epoch ms): the end of the closed period it falls in. */
  nextWorkingInstant(at: number): number {
    let next = at;
    for (let moved = true; moved;) {
      moved = false;
      for (const [from, to] of this.schedule.closed) {
        if (next >= this.startedAt + from && next < this.startedAt + to) [next, moved] = [this.startedAt + to, true];
      }
    }
    return next;
  }

  /** The gateway's answer to the next attempt of this command (200 once the drawn answers are used up). */
  nextAnswer(kind: 'LOCK' | 'UNLOCK', actionId: string): GatewayAnswer {
    const key = `${actionId}/${kind}`;
    const attempt = this.commandAttempts.get(key) ?? 0;
    this.commandAttempts.set(key, attempt + 1);
    const plan = this.schedule.locks[this.lockOf(actionId).lock]!;
    return (kind === 'LOCK' ? plan.lockAnswers : plan.unlockAnswers)[attempt] ?? { kind: 'ok' };
  }

  /** The device's reaction to the next command the gateway accepts. */
  nextPush(): Push {
    return this.schedule.pushes[this.accepted++] ?? { mode: 'none' };
  }

  lockOf(actionId: string): StartedLock {
    const lock = this.locks.find((l) => l.actionId === actionId);
    if (!lock) throw new Error(`no lock ${actionId} in the simulation of seed ${this.schedule.seed}`);
    return lock;
  }

  /** Whether this write attempt meets a store outage, and whether it lands all the same. */
  private outageFor(attempt: number): { landed: boolean } | null {
    let from = 0;
    for (const outage of this.schedule.storeOutages) {
      from += outage.afterAttempts;
      if (attempt >= from && attempt < from + outage.failures) return { landed: outage.landed };
      from += outage.failures;
    }
    return null;
  }

  /** writeTempLockTransitions, in memory: the same order and idempotency as the real store. */
  async write(transitions: TempLockTransition[]): Promise<InventoryLockResult | null> {
    const outage = this.outageFor(this.writeAttempts++);
    if (outage && !outage.landed) {
      await this.record({ type: 'storeOutage', landed: false });
      throw new Error('simulated store outage');
    }
    let locked: InventoryLockResult | null = null;
    for (const t of transitions) {
      const change = t.inventory;
      if (change?.kind === 'RESUME' && change.wasLocked) this.resume(t.facts.actionId);
      await this.store(t);
      if (change?.kind === 'LOCK') locked = this.lock(t.facts.actionId);
    }
    if (outage) {
      await this.record({ type: 'storeOutage', landed: true });
      throw new Error('simulated store outage: the write landed, its answer was lost');
    }
    return locked;
  }

  private lock(actionId: string): InventoryLockResult {
    const refused = this.inventory.state === 'RELEASED';
    if (!this.appliedInventory.has(`${actionId}/LOCK`) && !refused) {
      this.inventory = { state: 'LOCKED', beforeLock: this.inventory.state };
    }
    this.appliedInventory.add(`${actionId}/LOCK`);
    return refused ? { locked: false, note: 'device not locked in the inventory: RELEASED refuses LOCK' } : { locked: true, note: null };
  }

  private resume(actionId: string): void {
    if (this.appliedInventory.has(`${actionId}/UNLOCK`)) return;
    this.appliedInventory.add(`${actionId}/UNLOCK`);
    if (this.inventory.state === 'LOCKED' && this.inventory.beforeLock !== null) {
      this.inventory = { state: this.inventory.beforeLock, beforeLock: null };
    }
  }

  /** The action document (seq-guarded) and the check-in row, as recordTempLockTransition writes them. */
  private async store(t: TempLockTransition): Promise<void> {
    const { actionId } = t.facts;
    const doc = this.docs.get(actionId) ?? (t.terms ? { status: t.status, seq: 0, endReason: null } : undefined);
    if (!doc) return;
    this.docs.set(actionId, doc);
    const wasFinal = doc.seq > 0 && FINAL_TEMP_LOCK_STATUSES.includes(doc.status);
    if (doc.seq < t.seq) Object.assign(doc, { status: t.status, seq: t.seq }, t.endReason !== undefined ? { endReason: t.endReason } : {});
    const row = this.row;
    if (t.terms) {
      if (!row || (row.actionId !== actionId && row.updatedAt < t.at) || (row.actionId === actionId && row.seq < t.seq)) {
        this.row = {
          actionId,
          status: t.status,
          seq: t.seq,
          durationMs: t.terms.durationMs,
          workingHours: t.terms.workingHours,
          lockEndsAt: null,
          updatedAt: t.at,
        };
      }
    } else if (row && row.actionId === actionId && row.seq < t.seq) {
      this.row = {
        ...row,
        status: t.status,
        seq: t.seq,
        lockEndsAt: t.lockEndsAt !== undefined ? t.lockEndsAt : row.lockEndsAt,
        updatedAt: t.at,
      };
    }
    await this.record({ type: 'stored', actionId, seq: t.seq, status: t.status });
    if (!wasFinal && FINAL_TEMP_LOCK_STATUSES.includes(doc.status)) {
      await this.record({ type: 'final', actionId, status: doc.status, reason: doc.endReason, inventory: this.inventory.state });
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
