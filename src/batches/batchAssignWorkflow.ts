// The BatchAssign parent workflow (SPEC §3): reads a batch's pending rows page by page, keeps a
// bounded sliding window of deviceAssign children, continues-as-new to keep each run's history
// small, counts results by code across runs, and writes the batch's final status. A batch with a
// failure threshold opens its window gradually (windowRamp.ts) and, once past the threshold, starts no
// more children and cancels those still running. An operator may pause and resume it (runStatus.ts); the
// upload's schedule holds its devices until startAt and to the target's working hours (scheduleGate.ts).
//
// Each child writes its own result row, and the parent counts what its children return. At a run
// boundary the parent does not wait for its slowest children: it drains the window to a tenth,
// asks the children still running to report by signal to the batch's workflow id (which reaches the
// newest run), and carries them into the next run, where they still occupy the window. A handed-over
// child that ends without reporting (terminated from the Web UI) is found by asking Temporal now and
// then, so it never holds the batch. The final counters are recounted from the rows by the last activity.
import {
  CancellationScope,
  ParentClosePolicy,
  allHandlersFinished,
  WorkflowIdReusePolicy,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createBatchRunActivities } from './activities';
import type { PendingRow } from './store';

type Activities = ReturnType<typeof createBatchRunActivities> & Pick<DeviceAssignmentActivities, 'settleDevice'>;
import { BatchEndStatus, describeProgress, isUnfinishedBatchStatus } from './modes';
import { FailureThreshold, StopReason, exceededThreshold } from './failureThreshold';
import { WindowRamp, openingRamp, rampAfterDecision } from './windowRamp';
import { RunStatusState, handlePauseAndResume, initialRunStatus, isRunStatusWritten, keepRunStatusWritten, runStatusOf } from './runStatus';
import type { StartedBatchStatus } from './modes';
import type { BatchSchedule } from './batchSchedule';
import { ScheduleGate, closedUntilAsked, keepScheduleGate } from './scheduleGate';
import {
  DEVICE_ASSIGN_WORKFLOW,
  type DeviceAssignInput,
  type DeviceAssignWorkflow,
  batchStoppingSignal,
  reportToParentSignal,
} from '../devices/contract';
import type { DeviceAssignmentActivities } from '../devices/contract';
import { batchProgressQuery, cancelBatchSignal, deviceFinishedSignal } from './contract';
import { BatchIdKey, DeviceUidKey, TenantIdKey } from '../platform/temporal/searchAttributes';

/** What every child of the batch gets besides its device, row and the batch's owner. */
export type BatchDeviceRequest = Omit<DeviceAssignInput, 'deviceUid' | 'batch' | 'requestKey' | 'callerTenantId'>;

export interface BatchAssignInput {
  batchId: string;
  /** The tenant that owns the batch (the caller): devices are looked up in its tree. */
  tenantId: string;
  /** 0 for the upload's run, n for the n-th retry of the failed rows. */
  attempt: number;
  request: BatchDeviceRequest;
  windowSize: number;
  pageSize: number;
  /** Children started per run before continue-as-new (Temporal also suggests it). */
  childrenPerRun: number;
  /** How long handed-over children run before Temporal is first asked which have ended (default a minute). */
  handedOverLookMs?: number;
  /** Stop starting devices once failures exceed it; null or absent: no threshold. */
  failureThreshold?: FailureThreshold | null;
  /** When devices may start (startAt, the target's working hours); null or absent: at once, at any hour. */
  schedule?: BatchSchedule | null;
  /** Carried across continue-as-new; absent on the first run. */
  carried?: BatchCarriedState;
}

export interface BatchCarriedState {
  /** Rows up to this row number have had their child started. */
  cursor: number;
  total: number;
  done: number;
  byCode: Record<string, number>;
  runs: number;
  cancelRequested: boolean;
  /** Children an earlier run left running (row number → child workflow id); they report by signal. */
  handedOver: Record<string, string>;
  /** The devices this run's children (and its earlier runs') decided: what the failure threshold judges. */
  judged: { processed: number; failed: number };
  /** Set once the failure threshold was exceeded. */
  stopped: StopReason | null;
  /** How wide the window is now (a batch with a threshold opens gradually). */
  ramp: WindowRamp;
  /** Paused, waiting, and what the batch's row shows. */
  runStatus: RunStatusState;
}

export interface BatchProgress {
  batchId: string;
  status: StartedBatchStatus;
  /** While SCHEDULED or WAITING_FOR_WORKING_HOURS: when it next starts devices. */
  nextStartAt: string | null;
  total: number;
  done: number;
  ok: number;
  failed: number;
  running: number;
  byCode: Record<string, number>;
  runs: number;
  cancelRequested: boolean;
  stopped: StopReason | null;
  /** How many children may run at once now. */
  window: number;
}

export interface BatchAssignResult {
  status: BatchEndStatus;
  total: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  runs: number;
  stopped: StopReason | null;
}

// An activity task the server handed to a worker that then stopped (killed, or shut down while the task was on its
// way to it) is given to another worker only once its start-to-close or heartbeat timeout passes: those timeouts bound
// how long a worker's restart can hold the batch. A page of rows or the run's start takes milliseconds.
const { batchRunStarted, pendingRowsPage } = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});
// Statements over all of a batch's rows (minutes for the largest): they heartbeat meanwhile.
const { closePendingRows, finishBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});
const { endedWorkflows, settleDevice } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** How long handed-over children run before Temporal is asked which have ended; doubled after each look. */
const HANDED_OVER_LOOK = { firstMs: 60_000, maxMs: 30 * 60_000 };

export function deviceAssignWorkflowId(batchId: string, attempt: number, deviceUid: string): string {
  return attempt === 0 ? `device-assign/${batchId}/${deviceUid}` : `device-assign/${batchId}/retry-${attempt}/${deviceUid}`;
}

/** The children this run waits for: row id → child workflow id (its own and those handed over). */
type Running = Map<number, string>;

export async function batchAssign(input: BatchAssignInput): Promise<BatchAssignResult> {
  const state = input.carried ?? initialState(input);
  const running: Running = new Map(Object.entries(state.handedOver).map(([rowNumber, id]) => [Number(rowNumber), id]));
  const children = new CancellationScope();
  const gate = closedUntilAsked(input.schedule);
  const progress = (): BatchProgress => {
    const ok = state.byCode.OK ?? 0;
    return {
      batchId: input.batchId,
      ...runStatusOf(state.runStatus),
      total: state.total,
      done: state.done,
      ok,
      failed: state.done - ok,
      running: running.size,
      byCode: { ...state.byCode },
      runs: state.runs,
      cancelRequested: state.cancelRequested,
      stopped: state.stopped,
      window: state.ramp.width,
    };
  };
  /** A device is done (null: cancelled); each row counts once, whether its child returned or signalled. */
  const deviceFinished = (rowNumber: number, code: string | null) => {
    if (!running.delete(rowNumber)) return;
    delete state.handedOver[rowNumber];
    if (code !== null) {
      state.done += 1;
      state.byCode[code] = (state.byCode[code] ?? 0) + 1;
      state.judged.processed += 1;
      if (code !== 'OK' && code !== 'CANCELLED') state.judged.failed += 1;
      state.stopped ??= exceededThreshold(input.failureThreshold, state.judged);
      state.ramp = rampAfterDecision(state.ramp, input.windowSize, state.stopped === null);
    }
    showProgress();
  };
  const showProgress = () => setCurrentDetails(describeRun(progress()));
  setHandler(batchProgressQuery, progress);
  setHandler(cancelBatchSignal, () => {
    state.cancelRequested = true;
  });
  setHandler(deviceFinishedSignal, ({ rowNumber, code }) => deviceFinished(rowNumber, code));
  // Not cancelled with the workflow: a cancelled batch still waits for the children it handed over.
  void CancellationScope.nonCancellable(() => watchHandedOver(input, state, deviceFinished));
  const stopping = () => state.cancelRequested || state.stopped !== null;
  handlePauseAndResume(state.runStatus, stopping);

  try {
    if (!input.carried) await countEarlierRows(input, state);
    showProgress();
    void CancellationScope.nonCancellable(() => keepRunStatusWritten(input, state.runStatus, stopping, showProgress));
    const scheduled = { schedule: input.schedule, targetTenantId: input.request.targetWorkspaceId };
    void CancellationScope.nonCancellable(() => keepScheduleGate(scheduled, state.runStatus, gate, stopping));
    const runFull = await startChildrenInWindow(input, state, running, children, deviceFinished, stopping, gate);
    if (runFull && !stopping()) {
      await handOverRunning(input, state, running);
      // A pause or resume in flight is answered by this run, its status written before the next run takes over.
      await condition(() => stopping() || (allHandlersFinished() && isRunStatusWritten(state.runStatus)));
      if (!stopping()) {
        state.runs += 1;
        return await continueAsNew<typeof batchAssign>({ ...input, carried: state });
      }
    }
    await condition(() => running.size === 0 || stopping());
  } catch (err) {
    if (!isCancellation(err)) throw err;
    state.cancelRequested = true; // the workflow itself was cancelled: treat it as a batch cancel
  }
  return CancellationScope.nonCancellable(() => finish(input, state, running, children));
}

/** Starts children while the window has room; true when this run has started its share. */
async function startChildrenInWindow(
  input: BatchAssignInput,
  state: BatchCarriedState,
  running: Running,
  children: CancellationScope,
  deviceFinished: (rowNumber: number, code: string | null) => void,
  stopping: () => boolean,
  gate: ScheduleGate,
): Promise<boolean> {
  let startedThisRun = 0;
  for (;;) {
    if (stopping()) return false;
    const page = await pendingRowsPage({ batchId: input.batchId, afterRowNumber: state.cursor, limit: input.pageSize });
    if (page.length === 0) return false;
    for (const row of page) {
      await condition(() => (running.size < state.ramp.width && !state.runStatus.paused && gate.open) || stopping());
      if (stopping()) return false;
      const options = childOptions(input, row);
      running.set(row.rowNumber, options.workflowId);
      startedThisRun += 1;
      state.cursor = row.rowNumber;
      void children
        .run(() => executeChild<DeviceAssignWorkflow>(DEVICE_ASSIGN_WORKFLOW, options))
        .then(
          (result) => deviceFinished(row.rowNumber, result.code),
          // A cancelled child's row is closed by its own settle; any other failure is recounted at the end.
          (err) => deviceFinished(row.rowNumber, isCancellation(err) ? null : 'INTERNAL_ERROR'),
        );
      if (startedThisRun >= input.childrenPerRun || workflowInfo().continueAsNewSuggested) return true;
    }
  }
}

/**
 * Before continue-as-new: waits until at most a tenth of the window still runs, then asks those
 * children to report by signal and carries them over. A child that ended before the signal reached
 * it has its completion recorded in this run, so this run waits for that instead.
 */
async function handOverRunning(input: BatchAssignInput, state: BatchCarriedState, running: Running): Promise<void> {
  const handOverAtMost = Math.max(1, Math.floor(input.windowSize / 10));
  const ownChildren = () => [...running].filter(([rowNumber]) => !(rowNumber in state.handedOver));
  await condition(() => ownChildren().length <= handOverAtMost || state.cancelRequested || state.stopped !== null);
  const parentWorkflowId = workflowInfo().workflowId;
  const ended: number[] = [];
  await Promise.all(
    ownChildren().map(async ([rowNumber, childId]) => {
      try {
        await getExternalWorkflowHandle(childId).signal(reportToParentSignal, { parentWorkflowId });
        if (running.has(rowNumber)) state.handedOver[rowNumber] = childId;
      } catch {
        ended.push(rowNumber);
      }
    }),
  );
  await condition(() => ended.every((rowNumber) => !running.has(rowNumber)));
}

/**
 * A handed-over child reports by signal; one that cannot (terminated from the Web UI, or ended in some
 * other way before reporting) would hold the batch forever. While children are handed over, this asks
 * Temporal now and then which of them have ended, and settles their devices as the child would have
 * (a device whose result was recorded keeps it).
 */
async function watchHandedOver(
  input: BatchAssignInput,
  state: BatchCarriedState,
  deviceFinished: (rowNumber: number, code: string | null) => void,
): Promise<void> {
  const childIdPrefix = deviceAssignWorkflowId(input.batchId, input.attempt, '');
  const firstMs = input.handedOverLookMs ?? HANDED_OVER_LOOK.firstMs;
  for (let waitMs = firstMs; ; waitMs = Math.min(waitMs * 2, HANDED_OVER_LOOK.maxMs)) {
    await condition(() => Object.keys(state.handedOver).length > 0);
    await sleep(waitMs);
    const watched = Object.entries(state.handedOver);
    if (watched.length === 0) continue;
    const ended = await endedWorkflows({ workflowIds: watched.map(([, childId]) => childId) });
    for (const [rowNumber, childId] of watched) {
      const how = ended[childId];
      if (!how || !(rowNumber in state.handedOver)) continue;
      const row = { rowNumber: Number(rowNumber), uid: childId.slice(childIdPrefix.length) };
      const result = await settleDevice(childInput(input, row), {
        code: 'INTERNAL_ERROR',
        message: `the device's workflow ended (${how}) before it recorded a result; retry the batch's failed devices`,
      });
      deviceFinished(row.rowNumber, result.code === 'CANCELLED' ? null : result.code);
    }
  }
}

function childInput(input: BatchAssignInput, row: PendingRow): DeviceAssignInput {
  return {
    ...input.request,
    callerTenantId: input.tenantId,
    deviceUid: row.uid,
    batch: { batchId: input.batchId, rowNumber: row.rowNumber },
    requestKey: null,
  };
}

function childOptions(input: BatchAssignInput, row: PendingRow) {
  return {
    workflowId: deviceAssignWorkflowId(input.batchId, input.attempt, row.uid),
    args: [childInput(input, row)] as [DeviceAssignInput],
    // A child may outlive the run that started it (handed over at continue-as-new), so closing a
    // run must not cancel it; it finishes its one device and writes its own row.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    // A re-delivered start of a device already handled is refused, never run twice.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    // Batches of different tenants share the workers fairly (README, "Per-tenant fairness").
    priority: { fairnessKey: input.tenantId },
    typedSearchAttributes: [
      { key: BatchIdKey, value: input.batchId },
      { key: TenantIdKey, value: input.tenantId },
      { key: DeviceUidKey, value: row.uid },
    ],
  };
}

function initialState(input: BatchAssignInput): BatchCarriedState {
  return {
    cursor: 0,
    total: 0,
    done: 0,
    byCode: {},
    runs: 0,
    cancelRequested: false,
    handedOver: {},
    judged: { processed: 0, failed: 0 },
    stopped: null,
    ramp: openingRamp(input.failureThreshold, input.windowSize),
    runStatus: initialRunStatus(),
  };
}

/** The run's current details in the Web UI: "PAUSED: 61,204 / 100,000 — 60,990 ok, 214 failed". */
function describeRun(p: BatchProgress): string {
  const prefix = p.status === 'RUNNING' ? '' : `${p.status}${p.nextStartAt ? ` until ${p.nextStartAt}` : ''}: `;
  return `${prefix}${describeProgress(p)}`;
}

/**
 * The first run's progress starts from the rows already decided (rejected at upload, or by earlier
 * runs of a retried batch); the failure threshold judges only what this attempt's children decide.
 */
async function countEarlierRows(input: BatchAssignInput, state: BatchCarriedState): Promise<void> {
  const counts = await batchRunStarted({ batchId: input.batchId, attempt: input.attempt });
  state.total = counts.total;
  state.done = counts.total - (counts.byStatus.PENDING ?? 0);
  state.byCode = counts.byCode;
}

/**
 * Cancels what still runs (on cancel, or past the failure threshold: each cancelled child settles its
 * device as CANCELLED) or awaits it, closes rows left PENDING, and writes the batch's final status.
 */
async function finish(
  input: BatchAssignInput,
  state: BatchCarriedState,
  running: Running,
  children: CancellationScope,
): Promise<BatchAssignResult> {
  if (state.cancelRequested || state.stopped) {
    // Past the threshold (and not cancelled by the operator): each running child records why the batch stopped.
    if (!state.cancelRequested && state.stopped) await tellWhyStopped([...running.values()], stoppedMessage(state.stopped));
    children.cancel();
    // Children handed over by an earlier run are not in this run's scope.
    await Promise.all(
      Object.values(state.handedOver).map((id) =>
        getExternalWorkflowHandle(id)
          .cancel()
          .catch(() => undefined),
      ),
    );
  }
  await condition(() => running.size === 0);
  const ranTo: BatchEndStatus = state.cancelRequested ? 'CANCELLED' : state.stopped ? 'FAILED' : 'COMPLETED';
  const closing = {
    CANCELLED: { status: 'CANCELLED', code: 'CANCELLED', message: 'the batch was cancelled' },
    FAILED: { status: 'CANCELLED', code: 'CANCELLED', message: state.stopped ? stoppedMessage(state.stopped) : '' },
    COMPLETED: { status: 'FAILED', code: 'INTERNAL_ERROR', message: 'the device workflow ended without a result' },
  } as const;
  await closePendingRows({ batchId: input.batchId, ...closing[ranTo] });
  state.runs += 1;
  const outcome = await finishBatch({ batchId: input.batchId, attempt: input.attempt, status: ranTo, stopReason: state.stopped });
  // A batch cancelled before this run started (the start came late) stays cancelled: the result says what it holds.
  const status = isUnfinishedBatchStatus(outcome.status) ? ranTo : outcome.status;
  const { counts } = outcome;
  const done = counts.total - (counts.byStatus.PENDING ?? 0);
  const ok = counts.byCode.OK ?? 0;
  const reason = state.stopped ? ` (${state.stopped.message})` : '';
  setCurrentDetails(`${status}${reason}: ${describeProgress({ total: counts.total, done, ok, failed: done - ok })}`);
  return {
    status,
    total: counts.total,
    byStatus: counts.byStatus,
    byCode: counts.byCode,
    runs: state.runs,
    stopped: state.stopped,
  };
}

/** What a device the batch did not do because it stopped records: "the batch stopped: 6 of 6 processed devices failed, …". */
function stoppedMessage(stopped: StopReason): string {
  return `the batch ${stopped.message}`;
}

/** Before they are cancelled: tells these children why (the signal is in each one's history before its cancel request). */
async function tellWhyStopped(childIds: string[], reason: string): Promise<void> {
  await Promise.all(
    childIds.map(
      (id) =>
        getExternalWorkflowHandle(id)
          .signal(batchStoppingSignal, { reason })
          .catch(() => undefined), // it has ended meanwhile: its row holds its result
    ),
  );
}
