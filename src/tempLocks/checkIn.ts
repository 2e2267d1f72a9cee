// POST /v1/devices/:uid/check-in (SPEC §5): the device's check-in, answered at once (LOCK until T, UNLOCK or
// NONE) from the lock's stored state by the rules the workflow follows (answerCheckIn), and, when the lock can
// act on it, a signal to the lock's workflow carrying the API's check-in time.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { findDeviceTempLock } from './store';
import { nextWorkingInstantFor } from '../tenants/useCases';
import { answerCheckIn, checkInActsOnLock, tempLockWorkflowId } from './lock';
import { ignoreNotFound } from './runningLock';
import type { TargetDevice } from './targetDevice';
import { CheckIn, checkInSignal } from './contract';

/**
 * Never waits for a worker: the answer comes from the stored lock, and the signal is recorded by the server
 * whether or not a worker is up; the workflow acts on it (with these times) when it runs. A check-in the lock
 * cannot act on (LOCK before its end, NONE) is not signalled: a device checking in hourly for a year costs the
 * lock's workflow nothing, and the answer does not wait on the Temporal server. `checkInId` names the check-in
 * to the workflow, which acts on each one once.
 */
export async function checkIn({ pool, temporal }: { pool: Pool; temporal: Client }, device: TargetDevice, checkInId: string) {
  const checkedInAt = Date.now();
  const lock = await findDeviceTempLock(pool, device.id);
  let lockStartsAt = checkedInAt;
  if (lock?.status === 'ACTIVATING' && lock.workingHours) {
    lockStartsAt = (await nextWorkingInstantFor(pool, device.tenantId, checkedInAt)) ?? checkedInAt;
  }
  const answer = answerCheckIn(lock, { checkedInAt, lockStartsAt });
  // An ended lock answers NONE, which never acts on it.
  if (lock && checkInActsOnLock(lock, answer)) {
    const signalled: CheckIn = { checkInId, checkedInAt, lockStartsAt, answer: { actionId: lock.actionId, directive: answer.directive } };
    await temporal.workflow
      .getHandle(tempLockWorkflowId(device.tenantId, device.uid))
      .signal(checkInSignal, signalled)
      .catch(ignoreNotFound);
  }
  return {
    deviceUid: device.uid,
    checkedInAt: new Date(checkedInAt).toISOString(),
    directive: answer.directive,
    lockUntil: answer.lockUntil === null ? null : new Date(answer.lockUntil).toISOString(),
    actionId: lock?.actionId ?? null,
    status: lock?.status ?? null,
  };
}
