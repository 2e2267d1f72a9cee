// The per-device child workflow (SPEC §3): one device of a batch, or a single-device assign/exit
// from the API. The work is one idempotent activity; business failures come back as its result,
// infrastructure failures are retried with backoff and, once retries run out, become INTERNAL_ERROR.
import { ActivityFailure, ApplicationFailure, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DeviceAssignmentRequest, DeviceAssignmentResult } from '../activities/deviceAssignment';

export type { DeviceAssignmentRequest, DeviceAssignmentResult };

export interface DeviceAssignInput extends DeviceAssignmentRequest {
  /** Benchmark ceiling: the child returns at once without any activity. */
  noWork?: boolean;
}

const { assignDevice } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 25 },
});

const { recordDeviceResult } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

export async function deviceAssign(input: DeviceAssignInput): Promise<DeviceAssignmentResult> {
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
