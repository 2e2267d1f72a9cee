// The world of the randomized BatchAssign simulation: a schedule drawn from a seed (devices and what
// each attempt of each device does, window and per-run limits, threshold, cancels, retries, worker
// restarts, children terminated from outside), and an in-memory store of the batch and its rows that
// the batch's and the children's activities work on, with the same guards as PostgreSQL's.
import { Context } from '@temporalio/activity';
import { BatchOutcome, endedWorkflows } from '../../src/batches/activities';
import type { DeviceAssignmentRequest, DeviceAssignmentResult } from '../../src/devices/deviceAssignActivities';
import type { RowCounts } from '../../src/batches/store';
import { RunBatchStatus, unfinishedBatchStatuses } from '../../src/batches/modes';
import { BatchActivities, FakeRow, countFakeRows } from './fakeBatch';

/** mulberry32: a small seeded PRNG, so a seed is a schedule. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What one device does in one attempt of the batch. */
interface DeviceTurn {
  code: 'OK' | 'DEVICE_NOT_FOUND' | 'WRONG_STATE_DEVICE';
  /** Attempts of assignDevice that fail (a store outage) before it answers. */
  outages: number;
  /** Real milliseconds the work takes (a slow device outlives its run and is handed over). */
  workMs: number;
}

/** Something done to the batch once `afterRows` rows of the current attempt have a result. */
export type Disruption =
  | { afterRows: number; kind: 'cancelSignal' | 'cancelWorkflow' | 'restartWorker' | 'terminateChild' }
  | { afterRows: number; kind: 'cancelBeforeStart' };

export interface Schedule {
  seed: number;
  devices: number;
  /** Rows refused at upload (INVALID_DEVICE_UID): FAILED from the start, never retried. */
  rejectedAtUpload: number;
  windowSize: number;
  pageSize: number;
  childrenPerRun: number;
  maxFailures: number | null;
  /** turns[attempt][device] */
  turns: DeviceTurn[][];
  /** disruptions[attempt]: in order of afterRows. */
  disruptions: Disruption[][];
  /** Retries of the failed rows after the batch ends (when it has any). */
  retries: number;
}

export function drawSchedule(seed: number): Schedule {
  const random = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const chance = (p: number) => random() < p;
  const devices = int(3, 20);
  const retries = chance(0.4) ? int(1, 2) : 0;
  const turn = (): DeviceTurn => {
    const r = random();
    return {
      code: r < 0.75 ? 'OK' : r < 0.9 ? 'DEVICE_NOT_FOUND' : 'WRONG_STATE_DEVICE',
      outages: chance(0.1) ? int(1, 3) : 0,
      workMs: chance(0.15) ? int(50, 400) : int(0, 5),
    };
  };
  const disruptionsOf = (attempt: number): Disruption[] => {
    const out: Disruption[] = [];
    if (attempt === 0 && chance(0.05)) out.push({ afterRows: 0, kind: 'cancelBeforeStart' });
    if (chance(0.25)) out.push({ afterRows: int(0, devices), kind: chance(0.7) ? 'cancelSignal' : 'cancelWorkflow' });
    for (let i = int(0, 2); i > 0; i--) out.push({ afterRows: int(0, devices), kind: 'restartWorker' });
    if (chance(0.25)) out.push({ afterRows: int(0, devices), kind: 'terminateChild' });
    return out.sort((a, b) => a.afterRows - b.afterRows);
  };
  return {
    seed,
    devices,
    rejectedAtUpload: chance(0.3) ? int(1, 2) : 0,
    windowSize: int(1, 6),
    pageSize: int(1, 8),
    childrenPerRun: int(1, 12),
    maxFailures: chance(0.3) ? int(0, 4) : null,
    turns: Array.from({ length: retries + 1 }, () => Array.from({ length: devices }, turn)),
    disruptions: Array.from({ length: retries + 1 }, (_, attempt) => disruptionsOf(attempt)),
    retries,
  };
}

/** The batch's store: t_batch_action's status and attempt, t_batch_action_device's rows. */
export class BatchWorld {
  readonly rows: FakeRow[];
  status: RunBatchStatus = 'CREATED';
  attempt = 0;
  /** Rows given a result in the current attempt (what disruptions count). */
  decidedThisAttempt = 0;
  /** Failures the current attempt's devices reported (what the threshold judges). */
  failedThisAttempt = 0;
  /** What broke an invariant while the batch ran. */
  readonly violations: string[] = [];
  /** Child workflow ids whose work is under way (what a terminateChild picks from). */
  readonly working = new Set<string>();
  finishedAttempt: number | null = null;
  /** When an activity was last called (Date.now()): a run that stops calling them is hung. */
  lastActivityAt = Date.now();
  /** Child workflow id → row id, for every child that got to its device. */
  private readonly children = new Map<string, number>();
  private readonly outagesLeft = new Map<string, number>();
  private readonly waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(private readonly schedule: Schedule) {
    this.rows = Array.from({ length: schedule.devices + schedule.rejectedAtUpload }, (_, i) => ({
      id: i + 1,
      uid: `dev-${String(i + 1).padStart(3, '0')}`,
      status: i < schedule.devices ? 'PENDING' : 'FAILED',
      code: i < schedule.devices ? null : 'INVALID_DEVICE_UID',
    }));
  }

  /** Resolves once `check` holds (checked after every row write). */
  when(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  /** Children that got to their device and whose row has no result yet, oldest (most likely handed over) first. */
  startedChildren(): string[] {
    return [...this.children].filter(([, rowNumber]) => this.row(rowNumber).status === 'PENDING').map(([id]) => id);
  }

  counts(): RowCounts {
    return countFakeRows(this.rows);
  }

  /** The API's cancel of a batch without a run: the batch and its PENDING rows end CANCELLED. */
  cancelWithoutRun(): void {
    if (!(unfinishedBatchStatuses as readonly string[]).includes(this.status)) return;
    this.status = 'CANCELLED';
    for (const r of this.rows) if (r.status === 'PENDING') this.write(r, 'CANCELLED');
  }

  /** The API's retry: the next attempt runs the FAILED rows again (those refused at upload stay). */
  resetForRetry(): number {
    this.attempt += 1;
    this.status = 'CREATED';
    this.decidedThisAttempt = 0;
    this.failedThisAttempt = 0;
    this.finishedAttempt = null;
    const again = this.rows.filter((r) => r.status === 'FAILED' && r.code !== 'INVALID_DEVICE_UID');
    for (const r of again) Object.assign(r, { status: 'PENDING', code: null });
    return again.length;
  }

  private write(row: FakeRow, code: string): boolean {
    if (row.status !== 'PENDING') return false;
    if (this.finishedAttempt === this.attempt) this.violations.push(`row ${row.id} got ${code} after the batch's outcome was written`);
    row.status = code === 'OK' ? 'SUCCEEDED' : code === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
    row.code = code;
    this.decidedThisAttempt += 1;
    for (const w of [...this.waiters]) {
      if (!w.check()) continue;
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
    return true;
  }

  private row(rowNumber: number): FakeRow {
    return this.rows.find((r) => r.id === rowNumber)!;
  }

  private recorded(row: FakeRow): DeviceAssignmentResult {
    return { code: row.code as DeviceAssignmentResult['code'], message: 'recorded', deviceId: null, alreadyRecorded: true };
  }

  activities(): BatchActivities {
    const activities = this.storeActivities();
    return Object.fromEntries(
      Object.entries(activities).map(([name, fn]) => [
        name,
        (...args: unknown[]) => {
          this.lastActivityAt = Date.now();
          return (fn as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    ) as BatchActivities;
  }

  private storeActivities(): BatchActivities {
    const isCurrent = (attempt: number) => attempt === this.attempt && (unfinishedBatchStatuses as readonly string[]).includes(this.status);
    return {
      // Asks the test server through the worker's client, as in production.
      endedWorkflows,
      batchRunStarted: async ({ attempt }) => {
        if (isCurrent(attempt)) this.status = 'RUNNING';
        return this.counts();
      },
      // The simulation neither pauses nor schedules a batch: its runs write no other status, and every hour works.
      recordRunStatus: async ({ attempt, status }) => {
        if (isCurrent(attempt)) this.status = status;
      },
      workingSpanOf: async ({ at }) => ({ from: at, until: null }),
      pendingRowsPage: async ({ afterRowNumber, limit }) =>
        this.rows
          .filter((r) => r.status === 'PENDING' && r.id > afterRowNumber)
          .slice(0, limit)
          .map((r) => ({ rowNumber: r.id, uid: r.uid })),
      closePendingRows: async ({ code }) => this.rows.filter((r) => r.status === 'PENDING' && this.write(r, code)).length,
      finishBatch: async ({ attempt, status }): Promise<BatchOutcome> => {
        if (isCurrent(attempt)) this.status = status;
        this.finishedAttempt = attempt;
        return { status: this.status, counts: this.counts() };
      },
      assignDevice: async (req: DeviceAssignmentRequest): Promise<DeviceAssignmentResult> => {
        const childId = Context.current().info.workflowExecution!.workflowId;
        this.children.set(childId, req.batch!.rowNumber);
        const turn = this.schedule.turns[this.attempt]![req.batch!.rowNumber - 1]!;
        const key = `${this.attempt}/${req.batch!.rowNumber}`;
        const outages = this.outagesLeft.get(key) ?? turn.outages;
        if (outages > 0) {
          this.outagesLeft.set(key, outages - 1);
          throw new Error('simulated store outage');
        }
        this.working.add(childId);
        try {
          if (turn.workMs) await new Promise((r) => setTimeout(r, turn.workMs));
        } finally {
          this.working.delete(childId);
        }
        const row = this.row(req.batch!.rowNumber);
        if (!this.write(row, turn.code)) return this.recorded(row);
        if (turn.code !== 'OK') this.failedThisAttempt += 1;
        return { code: turn.code, message: turn.code, deviceId: null, alreadyRecorded: false };
      },
      settleDevice: async (req, ending) => {
        const row = this.row(req.batch!.rowNumber);
        if (!this.write(row, ending.code)) return this.recorded(row);
        if (ending.code !== 'CANCELLED') this.failedThisAttempt += 1;
        return { code: ending.code, message: ending.message, deviceId: null, alreadyRecorded: false };
      },
    };
  }
}
