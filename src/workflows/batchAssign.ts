// The BatchAssign parent workflow (SPEC §3): reads a batch's pending rows page by page, keeps a
// bounded sliding window of deviceAssign children, continues-as-new to keep each run's history
// small, counts results by code across runs, and writes the batch's final status.
//
// Each child writes its own result row; the parent awaits its children and drains the window
// before continue-as-new, so no child outlives the run that started it, and the final counters are
// recounted from the rows by the last activity.
import {
  CancellationScope,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  executeChild,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { describeProgress } from '../domain/assignmentModes';
import { DeviceAssignInput, deviceAssign, deviceAssignV2 } from './deviceAssign';
import { BatchIdKey, DeviceUidKey, TenantIdKey } from './searchAttributes';

/** What every child of the batch gets besides its device and row. */
export type BatchDeviceRequest = Omit<DeviceAssignInput, 'deviceUid' | 'batch' | 'requestKey'>;

export interface BatchAssignInput {
  batchId: string;
  /** The tenant that owns the batch. */
  tenantId: string;
  /** 0 for the upload's run, n for the n-th retry of the failed rows. */
  attempt: number;
  request: BatchDeviceRequest;
  windowSize: number;
  pageSize: number;
  /** Children started per run before continue-as-new (Temporal also suggests it). */
  childrenPerRun: number;
  /** Carried across continue-as-new; absent on the first run. */
  carried?: BatchCarriedState;
}

export interface BatchCarriedState {
  /** Rows up to this id have had their child started. */
  cursor: number;
  total: number;
  done: number;
  byCode: Record<string, number>;
  runs: number;
  longestRunHistory: number;
  cancelRequested: boolean;
}

export interface BatchProgress {
  batchId: string;
  total: number;
  done: number;
  ok: number;
  failed: number;
  running: number;
  byCode: Record<string, number>;
  runs: number;
  cancelRequested: boolean;
  longestRunHistory: number;
}

export interface BatchAssignResult {
  status: 'COMPLETED' | 'CANCELLED';
  total: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  runs: number;
  longestRunHistory: number;
}

export const batchProgressQuery = defineQuery<BatchProgress>('batchProgress');
export const cancelBatchSignal = defineSignal('cancelBatch');

const { batchRunStarted, pendingRowsPage } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});
const { closePendingRows, finishBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});

export function batchWorkflowId(batchId: string, attempt: number): string {
  return attempt === 0 ? `batch/${batchId}` : `batch/${batchId}/retry-${attempt}`;
}

export function deviceAssignWorkflowId(batchId: string, attempt: number, deviceUid: string): string {
  return attempt === 0 ? `device-assign/${batchId}/${deviceUid}` : `device-assign/${batchId}/retry-${attempt}/${deviceUid}`;
}

export async function batchAssign(input: BatchAssignInput): Promise<BatchAssignResult> {
  // Runs started before deviceAssignV2 existed keep starting the first version (their history says so).
  const child = patched('batch-children-device-assign-v2') ? deviceAssignV2 : deviceAssign;
  const state = input.carried ?? (await firstRunState(input.batchId));
  const window = { running: 0, startedThisRun: 0 };
  const children = new CancellationScope();
  const progress = (): BatchProgress => {
    const ok = state.byCode.OK ?? 0;
    return {
      batchId: input.batchId,
      total: state.total,
      done: state.done,
      ok,
      failed: state.done - ok,
      running: window.running,
      byCode: { ...state.byCode },
      runs: state.runs,
      cancelRequested: state.cancelRequested,
      longestRunHistory: state.longestRunHistory,
    };
  };
  const showProgress = () => setCurrentDetails(describeProgress(progress()));
  setHandler(batchProgressQuery, progress);
  setHandler(cancelBatchSignal, () => {
    state.cancelRequested = true;
  });
  showProgress();

  try {
    const runFull = await startChildrenInWindow(input, child, state, window, children, showProgress);
    await condition(() => window.running === 0 || state.cancelRequested);
    if (!state.cancelRequested && runFull) {
      state.runs += 1;
      state.longestRunHistory = Math.max(state.longestRunHistory, workflowInfo().historyLength);
      return await continueAsNew<typeof batchAssign>({ ...input, carried: state });
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    state.cancelRequested = true; // the workflow itself was cancelled: treat it as a batch cancel
  }
  return CancellationScope.nonCancellable(() => finish(input, state, window, children));
}

/** Starts children while the window has room; true when this run has started its share. */
async function startChildrenInWindow(
  input: BatchAssignInput,
  child: typeof deviceAssignV2,
  state: BatchCarriedState,
  window: { running: number; startedThisRun: number },
  children: CancellationScope,
  showProgress: () => void,
): Promise<boolean> {
  for (;;) {
    if (state.cancelRequested) return false;
    const page = await pendingRowsPage({ batchId: input.batchId, afterId: state.cursor, limit: input.pageSize });
    if (page.length === 0) return false;
    for (const row of page) {
      await condition(() => window.running < input.windowSize || state.cancelRequested);
      if (state.cancelRequested) return false;
      window.running += 1;
      window.startedThisRun += 1;
      state.cursor = row.id;
      void children
        .run(() => executeChild(child, childOptions(input, row)))
        .then(
          (result) => count(state, result.code),
          (err) => {
            // A cancelled child's row is closed by the cancel; any other failure is recounted at the end.
            if (!isCancellation(err)) count(state, 'INTERNAL_ERROR');
          },
        )
        .finally(() => {
          window.running -= 1;
          showProgress();
        });
      if (window.startedThisRun >= input.childrenPerRun || workflowInfo().continueAsNewSuggested) return true;
    }
  }
}

function childOptions(input: BatchAssignInput, row: { id: number; uid: string }) {
  const args: DeviceAssignInput = {
    ...input.request,
    deviceUid: row.uid,
    batch: { batchId: input.batchId, rowId: row.id },
    requestKey: null,
  };
  return {
    workflowId: deviceAssignWorkflowId(input.batchId, input.attempt, row.uid),
    args: [args] as [DeviceAssignInput],
    // Children never outlive their run (the window is drained before continue-as-new); if the
    // parent is terminated they are asked to cancel rather than left running.
    parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
    // A re-delivered start of a device already handled is refused, never run twice.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: BatchIdKey, value: input.batchId },
      { key: TenantIdKey, value: input.tenantId },
      { key: DeviceUidKey, value: row.uid },
    ],
  };
}

function count(state: BatchCarriedState, code: string): void {
  state.done += 1;
  state.byCode[code] = (state.byCode[code] ?? 0) + 1;
}

async function firstRunState(batchId: string): Promise<BatchCarriedState> {
  const counts = await batchRunStarted({ batchId });
  return {
    cursor: 0,
    total: counts.total,
    done: counts.total - (counts.byStatus.PENDING ?? 0),
    byCode: counts.byCode,
    runs: 0,
    longestRunHistory: 0,
    cancelRequested: false,
  };
}

/** Cancels what still runs, closes rows left PENDING, and writes the batch's final status. */
async function finish(
  input: BatchAssignInput,
  state: BatchCarriedState,
  window: { running: number },
  children: CancellationScope,
): Promise<BatchAssignResult> {
  if (state.cancelRequested) {
    if (window.running > 0) children.cancel();
    await condition(() => window.running === 0);
    await closePendingRows({ batchId: input.batchId, status: 'CANCELLED', code: 'CANCELLED', message: 'the batch was cancelled' });
  } else if (input.request.noWork) {
    await closePendingRows({ batchId: input.batchId, status: 'SKIPPED', code: 'OK', message: 'no work done (benchmark ceiling)' });
  } else {
    await closePendingRows({
      batchId: input.batchId,
      status: 'FAILED',
      code: 'INTERNAL_ERROR',
      message: 'the device workflow ended without a result',
    });
  }
  state.runs += 1;
  state.longestRunHistory = Math.max(state.longestRunHistory, workflowInfo().historyLength);
  const status = state.cancelRequested ? 'CANCELLED' : 'COMPLETED';
  const counts = await finishBatch({ batchId: input.batchId, status });
  state.done = counts.total - (counts.byStatus.PENDING ?? 0);
  state.byCode = counts.byCode;
  setCurrentDetails(
    `${status}: ${describeProgress({ total: counts.total, done: state.done, ok: counts.byCode.OK ?? 0, failed: state.done - (counts.byCode.OK ?? 0) })}`,
  );
  return {
    status,
    total: counts.total,
    byStatus: counts.byStatus,
    byCode: counts.byCode,
    runs: state.runs,
    longestRunHistory: state.longestRunHistory,
  };
}
