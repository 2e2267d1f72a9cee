// TempLock (SPEC §5): one device locked for a while. Waits for working hours if asked, sends the lock command,
// activates on the device's check-in, holds the lock on a durable timer, sends the unlock command at the lock's
// end and lets the device resume its previous state. A cancel (or an overriding assign) ends it CANCELLED at
// any point before its end, unlocking first if the lock command went out; a gateway that refuses the device
// for good ends it FAILED. A lock may last a year and its device check in at will: the run continues as new,
// carrying its state, whenever Temporal suggests it or a run has taken CHECK_INS_PER_RUN check-ins.
// The rules are the lock's reducer (lockState.ts); this run feeds it the signals and runs its commands
// (tempLockRun.ts). Deterministic: time-zone maths and all I/O are in activities; the check-in's times come from the API.
import { setHandler } from '@temporalio/workflow';
import {
  cancelSignal,
  checkInSignal,
  tempLockQuery,
  workingHoursChangedSignal,
  type TempLockInput,
  type TempLockOutcome,
} from './contract';
import type { TempLockState } from './lockState';
import { LockRun } from './tempLockRun';

export type { TempLockState } from './lockState';
export async function tempLock(input: TempLockInput, resume?: TempLockState): Promise<TempLockOutcome> {
  const lock = new LockRun(input, resume);
  setHandler(tempLockQuery, () => lock.view());
  setHandler(cancelSignal, (request) => lock.dispatch({ type: 'cancelRequested', request }));
  setHandler(checkInSignal, (checkIn) => lock.dispatch({ type: 'checkIn', checkIn }));
  setHandler(workingHoursChangedSignal, () => lock.dispatch({ type: 'calendarChanged' }));
  lock.dispatch({ type: 'runStarted', resumed: resume !== undefined });
  return lock.untilOver();
}
