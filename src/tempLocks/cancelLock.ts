// DELETE /v1/devices/:uid/temp-lock: asks the device's running lock to cancel (it unlocks the device and ends
// CANCELLED); 404 when no lock runs.
import type { Client } from '@temporalio/client';
import { tempLockWorkflowId } from './lock';
import { ignoreNotFound, runningLockOf } from './runningLock';
import type { TargetDevice } from './targetDevice';
import { CancelRequest, cancelSignal } from './contract';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export async function cancelTempLock({ temporal }: { temporal: Client }, caller: Caller, device: TargetDevice) {
  const workflowId = tempLockWorkflowId(device.tenantId, device.uid);
  const running = await runningLockOf(temporal, workflowId);
  if (!running?.actionId) throw new ProblemError(404, 'NOT_FOUND', `no temp lock is running for device ${device.uid}`);
  const request: CancelRequest = { reason: `cancelled by ${caller.userId}`, requestedBy: caller.userId, actionId: running.actionId };
  // By workflow id: the lock's current run, whatever continue-as-new happened since the describe; the action id
  // keeps it from cancelling a lock assigned in between.
  const delivered = await temporal.workflow
    .getHandle(workflowId)
    .signal(cancelSignal, request)
    .then(() => true, ignoreNotFound);
  if (delivered === false) throw new ProblemError(404, 'NOT_FOUND', `no temp lock is running for device ${device.uid}`);
  return { actionId: running.actionId, workflowId, status: 'CANCELLING' };
}
