// An in-memory batch for workflow tests with mocked activities: the BatchAssign parent's and the
// deviceAssign child's activities over a list of rows, recording what they were asked to do.
import { Context } from '@temporalio/activity';
import { randomUUID } from 'node:crypto';
import type { Activities } from '../../src/platform/worker/activities';
import type { BatchAssignInput } from '../../src/batches/batchAssignWorkflow';
import { endedWorkflows } from '../../src/batches/activities';
import type { DeviceAssignmentRequest, DeviceAssignmentResult } from '../../src/devices/deviceAssignActivities';
import type { RowCounts } from '../../src/batches/store';
import { WorkingHoursCalendar, nextWorkingSpan } from '../../src/tenants/workingHours';

export interface FakeRow {
  id: number;
  uid: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  code: string | null;
}

/** What countRows answers for these rows. */
export function countFakeRows(rows: FakeRow[]): RowCounts {
  const counts: RowCounts = { total: rows.length, byStatus: {}, byCode: {} };
  for (const r of rows) {
    counts.byStatus[r.status] = (counts.byStatus[r.status] ?? 0) + 1;
    if (r.code) counts.byCode[r.code] = (counts.byCode[r.code] ?? 0) + 1;
  }
  return counts;
}

export type BatchActivities = Pick<
  Activities,
  | 'batchRunStarted'
  | 'pendingRowsPage'
  | 'closePendingRows'
  | 'finishBatch'
  | 'assignDevice'
  | 'settleDevice'
  | 'endedWorkflows'
  | 'recordRunStatus'
  | 'workingSpanOf'
>;

export class FakeBatch {
  readonly rows: FakeRow[];
  /** Child workflow ids that ran assignDevice, in order. */
  readonly assignedBy: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  finished: { status: string; stopReason: unknown } | null = null;
  /**
   * The target's working windows as instants, in order, drawn when the run first asks (from its clock then, so a slow
   * start does not miss them); null: no calendar, always working.
   */
  workingSpans: ((firstAskedAt: number) => { from: number; until: number }[]) | null = null;
  private drawnSpans: { from: number; until: number }[] | null = null;
  /** Or the target's calendar itself, asked as the product asks it. */
  calendar: WorkingHoursCalendar | null = null;
  /** The statuses the run wrote to the batch, in order. */
  readonly runStatuses: { status: string; nextStartAt: string | null }[] = [];
  /** The message each device settled without its work (cancelled, retries exhausted) was given, by UID. */
  readonly settledWith = new Map<string, string>();
  /** The server's (skipped) time at which each device's work was scheduled. */
  readonly assignedAt: number[] = [];
  private readonly held = new Map<string, () => void>();

  /** `decide` gives a device's result code (default OK); `workMs` how long each device takes. */
  constructor(
    uids: string[],
    private readonly decide: (uid: string) => string = () => 'OK',
    private readonly workMs = 0,
  ) {
    this.rows = uids.map((uid, i) => ({ id: i + 1, uid, status: 'PENDING', code: null }));
  }

  /** The device's work waits until release(uid). */
  hold(uid: string): void {
    this.held.set(uid, () => undefined);
  }

  release(uid: string): void {
    const resolve = this.held.get(uid);
    this.held.delete(uid);
    resolve?.();
  }

  releaseAll(): void {
    for (const uid of [...this.held.keys()]) this.release(uid);
  }

  row(uid: string): FakeRow {
    return this.rows.find((r) => r.uid === uid)!;
  }

  count(status: FakeRow['status']): number {
    return this.rows.filter((r) => r.status === status).length;
  }

  counts(): RowCounts {
    return countFakeRows(this.rows);
  }

  private write(rowNumber: number, code: string): void {
    const row = this.rows.find((r) => r.id === rowNumber)!;
    if (row.status !== 'PENDING') return;
    row.status = code === 'OK' ? 'SUCCEEDED' : code === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
    row.code = code;
  }

  /** Until release(uid), or until the activity is cancelled (its child cancelled by a stopping batch). */
  private async waitIfHeld(uid: string): Promise<void> {
    if (!this.held.has(uid)) return;
    await Promise.race([new Promise<void>((resolve) => this.held.set(uid, resolve)), Context.current().cancelled]);
  }

  activities(): BatchActivities {
    return {
      // Asks the test server through the worker's client, as in production.
      endedWorkflows,
      batchRunStarted: async () => this.counts(),
      pendingRowsPage: async ({ afterRowNumber, limit }) =>
        this.rows
          .filter((r) => r.status === 'PENDING' && r.id > afterRowNumber)
          .slice(0, limit)
          .map((r) => ({ rowNumber: r.id, uid: r.uid })),
      closePendingRows: async ({ status, code }) => {
        const pending = this.rows.filter((r) => r.status === 'PENDING');
        for (const r of pending) Object.assign(r, { status, code });
        return pending.length;
      },
      finishBatch: async ({ status, stopReason }) => {
        this.finished = { status, stopReason };
        return { status, counts: this.counts() };
      },
      assignDevice: async (req: DeviceAssignmentRequest): Promise<DeviceAssignmentResult> => {
        this.assignedBy.push(Context.current().info.workflowExecution!.workflowId);
        this.assignedAt.push(Context.current().info.currentAttemptScheduledTimestampMs);
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          if (this.workMs) await new Promise((r) => setTimeout(r, this.workMs));
          await this.waitIfHeld(req.deviceUid);
          const code = this.decide(req.deviceUid);
          this.write(req.batch!.rowNumber, code);
          return { code: code as DeviceAssignmentResult['code'], message: code, deviceId: null, alreadyRecorded: false };
        } finally {
          this.inFlight -= 1;
        }
      },
      recordRunStatus: async ({ status, nextStartAt }) => {
        this.runStatuses.push({ status, nextStartAt });
      },
      workingSpanOf: async ({ at }) => {
        if (this.calendar) return nextWorkingSpan(this.calendar, new Date(at));
        if (!this.workingSpans) return { from: at, until: null };
        this.drawnSpans ??= this.workingSpans(at);
        const span = this.drawnSpans.find((s) => s.until > at);
        return span ? { from: Math.max(span.from, at), until: span.until } : null;
      },
      settleDevice: async (req, ending) => {
        this.settledWith.set(req.deviceUid, ending.message);
        this.write(req.batch!.rowNumber, ending.code);
        const row = this.rows.find((r) => r.id === req.batch!.rowNumber)!;
        return { code: row.code as DeviceAssignmentResult['code'], message: ending.message, deviceId: null, alreadyRecorded: false };
      },
    };
  }
}

/** An exit batch of tenant-a with a window of 2, as the schedule tests start it, with `overrides`. */
export function scheduledBatchInput(overrides: Partial<BatchAssignInput>): BatchAssignInput {
  return {
    batchId: randomUUID(),
    tenantId: 'tenant-a',
    attempt: 0,
    request: {
      targetWorkspaceId: 'workspace-a',
      mode: 'exit',
      catalogueWorkflowId: null,
      catalogueTenantIds: ['tenant-a'],
      serviceTypeId: null,
      createMissing: false,
      requestedBy: 'test',
      source: 'BATCH',
    },
    windowSize: 2,
    pageSize: 50,
    childrenPerRun: 100,
    ...overrides,
  };
}
