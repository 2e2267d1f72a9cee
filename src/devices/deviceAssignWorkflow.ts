// The per-device child workflow (SPEC §3): one device of a batch, or a single-device assign/exit
// from the API. The work is one idempotent local activity, so a device costs the server one
// workflow task instead of two workflow tasks and an activity task (docs/benchmarks.md); the re-run
// a local activity gets when a worker dies mid-task is harmless because the activity is idempotent.
// Business failures come back as its result; infrastructure failures are retried with backoff and,
// once retries run out, the device is settled as INTERNAL_ERROR (see settleDevice for why that is safe).
import {
  ActivityFailure,
  CancellationScope,
  RetryPolicy,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';
import { deviceFinishedSignal } from '../batches/contract';
import { sendDeviceCommand } from './deviceCommand';
import { batchStoppingSignal, reportToParentSignal, type DeviceAssignmentActivities as Activities } from './contract';
import type { DeviceAssignmentRequest, DeviceAssignmentResult } from './deviceAssignActivities';

export type { DeviceAssignmentRequest, DeviceAssignmentResult };
export type DeviceAssignInput = DeviceAssignmentRequest;

const assignRetry: RetryPolicy = {
  initialInterval: '500 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 25,
};
// Backoffs longer than the threshold wait on durable timers rather than inside a workflow task.
const { assignDevice } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  localRetryThreshold: '5 seconds',
  retry: assignRetry,
});

// Regular activity with unbounded retries: a device is settled however long the stores are away,
// and server-side retries add nothing to the history.
const { settleDevice } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function deviceAssign(input: DeviceAssignInput): Promise<DeviceAssignmentResult> {
  // Why a cancel reaches this device: a plain cancel, unless the batch said it stopped (its failure threshold).
  const cancel = { reason: 'the batch was cancelled' };
  setHandler(batchStoppingSignal, ({ reason }) => {
    cancel.reason = reason;
  });
  return reportingToBatch(input, async () => {
    const result = await assignOrSettle(input, cancel);
    await tellDeviceOfLockState(input, result);
    return result;
  });
}

/**
 * A LOCK or UNLOCK the device's state took (a bulk state action) is also sent to the device through the gateway,
 * before the device counts as done (a batch cancel waits for it). Its row keeps the state action's result: the inventory holds the state the
 * operator chose; a device the gateway refuses is in the workflow's log and the do_gateway_commands metric.
 */
async function tellDeviceOfLockState(input: DeviceAssignInput, result: DeviceAssignmentResult): Promise<void> {
  const kind = input.mode === 'action' ? input.stateAction : null;
  if (result.code !== 'OK' || (kind !== 'LOCK' && kind !== 'UNLOCK')) return;
  const actionId = input.batch ? `batch-${input.batch.batchId}-${input.batch.rowNumber}` : `request-${input.requestKey}`;
  const target = { deviceUid: input.deviceUid, callerTenantId: input.callerTenantId, targetWorkspaceId: input.targetWorkspaceId };
  // Not cancellable: once the state is written, the device is told, even when the batch is cancelled meanwhile.
  const outcome = await CancellationScope.nonCancellable(() => sendDeviceCommand(target, kind, actionId));
  if (!outcome.sent) log.warn('the gateway did not take a state action', { deviceUid: input.deviceUid, ...outcome });
}

/**
 * Runs a device's work; when the batch handed this child over to its next run (reportToParent), the
 * result is also reported by signal. Every per-device workflow type a batch starts must do this.
 */
export async function reportingToBatch(
  input: DeviceAssignInput,
  work: () => Promise<DeviceAssignmentResult>,
): Promise<DeviceAssignmentResult> {
  let reportTo: string | null = null;
  setHandler(reportToParentSignal, ({ parentWorkflowId }) => {
    reportTo = parentWorkflowId;
  });
  let code: string | null = null;
  try {
    const result = await work();
    code = result.code;
    return result;
  } finally {
    if (reportTo !== null && input.batch) await reportToParent(reportTo, { rowNumber: input.batch.rowNumber, code });
  }
}

async function reportToParent(parentWorkflowId: string, finished: { rowNumber: number; code: string | null }): Promise<void> {
  await CancellationScope.nonCancellable(async () => {
    try {
      await getExternalWorkflowHandle(parentWorkflowId).signal(deviceFinishedSignal, finished);
    } catch (err) {
      // The batch is gone (terminated): the row holds the result all the same.
      log.warn('could not report to the batch', { parentWorkflowId, error: err instanceof Error ? err.message : String(err) });
    }
  });
}

async function assignOrSettle(input: DeviceAssignInput, cancel: { reason: string }): Promise<DeviceAssignmentResult> {
  try {
    return await assignDevice(input);
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => settleDevice(input, { code: 'CANCELLED', message: cancel.reason }));
      throw err;
    }
    // The detail stays in the worker's log; the device's result tells the operator what to do.
    const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
    log.warn('device assignment retries exhausted', {
      deviceUid: input.deviceUid,
      error: cause instanceof Error ? cause.message : String(cause),
    });
    return settleDevice(input, {
      code: 'INTERNAL_ERROR',
      message: `the stores did not answer while assigning ${input.deviceUid} (retries exhausted); retry the batch's failed devices later`,
    });
  }
}
