// The per-device child workflow (SPEC §3): one device of a batch, or a single-device assign/exit
// from the API. The work is one idempotent activity; business failures come back as its result,
// infrastructure failures are retried with backoff and, once retries run out, become INTERNAL_ERROR.
//
// Two workflow types: `deviceAssignV2` (what batches and the API start) runs the activity as a
// local activity, so a device costs the server one workflow task instead of two workflow tasks and
// an activity task (docs/benchmarks.md). The activity is idempotent, so the re-run a local activity
// gets when a worker dies mid-task is harmless. `deviceAssign` (regular activity) stays for runs
// started before V2 and for their histories. A new type rather than patched(): a patch marker would
// also upsert a search attribute, i.e. one more visibility write per device.
import {
  ActivityFailure,
  ApplicationFailure,
  RetryPolicy,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeviceAssignmentRequest, DeviceAssignmentResult } from '../activities/deviceAssignment';

export type { DeviceAssignmentRequest, DeviceAssignmentResult };

export interface DeviceAssignInput extends DeviceAssignmentRequest {
  /** Benchmark ceiling: the child returns at once without any activity. */
  noWork?: boolean;
}

const assignRetry: RetryPolicy = {
  initialInterval: '500 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '30 seconds',
  maximumAttempts: 25,
};
const regular = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: assignRetry });
// Backoffs longer than the threshold wait on durable timers rather than inside a workflow task.
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', localRetryThreshold: '5 seconds', retry: assignRetry });

const { recordDeviceResult } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function deviceAssignV2(input: DeviceAssignInput): Promise<DeviceAssignmentResult> {
  return assignWith(local.assignDevice, input);
}

/** The first version: the same work as a regular activity. Kept for runs started before V2. */
export async function deviceAssign(input: DeviceAssignInput): Promise<DeviceAssignmentResult> {
  return assignWith(regular.assignDevice, input);
}

async function assignWith(
  assignDevice: (input: DeviceAssignmentRequest) => Promise<DeviceAssignmentResult>,
  input: DeviceAssignInput,
): Promise<DeviceAssignmentResult> {
  if (input.noWork) return { code: 'OK', message: 'no work done (benchmark ceiling)', deviceId: null, alreadyRecorded: false };
  try {
    return await assignDevice(input);
  } catch (err) {
    if (isCancellation(err)) throw err;
    return recordInternalError(input, err);
  }
}

/** Retries ran out on an infrastructure failure: the device's result says which. */
async function recordInternalError(input: DeviceAssignInput, err: unknown): Promise<DeviceAssignmentResult> {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const reason = cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
  const message = `retries exhausted while assigning ${input.deviceUid}: ${reason}`;
  if (input.batch) await recordDeviceResult({ rowId: input.batch.rowId, code: 'INTERNAL_ERROR', message });
  return { code: 'INTERNAL_ERROR', message, deviceId: null, alreadyRecorded: false };
}
