// TempLock (SPEC §5): one device locked for a while. Waits for working hours if asked, sends the lock command,
// activates on the device's check-in, holds the lock on a durable timer, sends the unlock command at the lock's
// end and lets the device resume its previous state. A cancel (or an overriding assign) ends it CANCELLED at
// any point before its end, unlocking first if the lock command went out; a gateway that refuses the device
// for good ends it FAILED. A lock may last a year and its device check in at will: the run continues as new,
// carrying its state, whenever Temporal suggests it or a run has taken CHECK_INS_PER_RUN check-ins.
// Deterministic: time-zone maths and all I/O are in activities; the check-in's times come from the API.
import { CancellationScope, isCancellation, setHandler } from '@temporalio/workflow';
import { cancelSignal, checkInSignal, tempLockQuery, type TempLockInput, type TempLockOutcome } from './contract';
import { LockEnding, LockRun, TempLockState } from './tempLockRun';

export type { TempLockState } from './tempLockRun';
export async function tempLock(input: TempLockInput, resume?: TempLockState): Promise<TempLockOutcome> {
  const lock = new LockRun(input, resume);
  listen(lock);
  try {
    if (lock.is('WAITING')) await waitForWorkingTime(lock, resume === undefined);
    if (lock.is('ACTIVATING')) await activateOnCheckIn(lock);
    if (lock.is('ACTIVATED')) await holdUntilEnd(lock);
  } catch (err) {
    if (!isCancellation(err)) throw err; // includes continue-as-new
    lock.takeCancel({ reason: 'cancelled through Temporal', requestedBy: 'temporal', actionId: input.actionId });
  }
  // However it ends, the end runs to completion: a Temporal cancel cannot leave the device locked.
  await CancellationScope.nonCancellable(() => endLock(lock));
  await CancellationScope.nonCancellable(() => lock.recordedInHistory());
  return lock.outcome();
}

/** WAITING: sleeps on a durable timer until the tenant's next working instant (computed by an activity); then ACTIVATING. */
async function waitForWorkingTime(lock: LockRun, assigned: boolean): Promise<void> {
  const { state, input } = lock;
  if (assigned) void lock.record({ status: 'WAITING', milestone: 'TEMP_LOCK_ASSIGNED' });
  while (input.workingHours && state.ending === null) {
    const { at, next } = await lock.stores.nextWorkingInstantOf({ tenantId: input.tenantId });
    if (next === null) return lock.cancelBySystem('the working-hours calendar has no working time within the search horizon');
    // Compared with the activity's own clock: the workflow clock lags it by the activity's round trip.
    if (next <= at) break;
    if (state.nextDueAt !== next) void lock.record({ status: 'WAITING', nextProcessTime: next });
    state.nextDueAt = next;
    // Loops to re-check: the calendar may have changed while we slept.
    await lock.waitFor(() => state.ending !== null, next);
  }
  if (state.ending !== null) return;
  // Stored before the command goes out: the device's check-in in answer to it finds ACTIVATING and is told LOCK.
  await lock.record({ status: 'ACTIVATING', nextProcessTime: null });
}

/** ACTIVATING: the lock command goes out and the device's first check-in answered LOCK activates the lock. */
async function activateOnCheckIn(lock: LockRun): Promise<void> {
  const { state, input } = lock;
  lock.startLockCommand();
  await lock.waitFor(() => state.checkedInAt !== null || state.ending !== null);
  if (state.ending !== null) return;
  // ACTIVATED: the lock runs from the check-in's start (the API's times) for its duration; the device goes LOCKED.
  // The inventory LOCK goes with the status write, alongside the lock's timer: a busy database delays this
  // write, never the unlock. Whether it locked is awaited before anything undoes it.
  state.nextDueAt = state.lockEndsAt;
  lock.inventoryLock = lock
    .record({
      status: 'ACTIVATED',
      checkedInAt: state.checkedInAt,
      lockStartedAt: state.lockStartedAt,
      lockEndsAt: state.lockEndsAt,
      nextProcessTime: state.lockEndsAt,
      inventory: {
        kind: 'LOCK',
        durationMinutes: input.durationMinutes,
        checkedInAt: state.checkedInAt!,
        lockStartedAt: state.lockStartedAt!,
        lockEndsAt: state.lockEndsAt!,
      },
    })
    .then((result) => {
      state.lockedInInventory = result?.locked ?? false;
      state.inventoryNote = result?.note ?? null;
    });
}

/**
 * ACTIVATED: a durable timer to the lock's end (it fires the unlock lead early; the unlock command waits in the
 * worker for the end itself). Once it fires the lock has run its term: a cancel from then on changes nothing.
 */
async function holdUntilEnd(lock: LockRun): Promise<void> {
  const { state } = lock;
  lock.startLockCommand(); // still owed after a continue-as-new
  await lock.waitFor(() => state.ending !== null, lock.unlockTimerAt());
  state.ending ??= { kind: 'TERM' };
}

/**
 * The lock's end, for every reason. Nothing was sent while WAITING: CANCELLED at once. Otherwise the device may
 * have been told LOCK, so: the stored status answers check-ins UNLOCK before an UNLOCK can reach the device (at
 * the term's end the stored end does so already); the LOCK command, if still in flight, is abandoned for
 * certain; the UNLOCK goes out, retried until the gateway takes it or refuses the device; DEACTIVATING waits for
 * the device's check-in (answered UNLOCK) or a bounded time; then the final status, and the device resumes.
 */
async function endLock(lock: LockRun): Promise<void> {
  const { state, input } = lock;
  const ending = state.ending!;
  // Nothing went out while WAITING and no check-in was told LOCK: CANCELLED at once.
  if (state.status === 'WAITING') return recordFinalStatus(lock, ending);
  if (ending.kind !== 'TERM' && state.status !== 'DEACTIVATING') {
    void lock.record({ status: 'DEACTIVATING', nextProcessTime: null, note: `unlocking: ${ending.reason}` });
  }
  // Before an UNLOCK can reach the device: every status is stored (DEACTIVATING; at the term's end, ACTIVATED with
  // the end that answers UNLOCK — a write a store outage held back would still answer LOCK), and a LOCK command
  // still in flight is abandoned for certain.
  await Promise.all([lock.recorded(), lock.stopLockCommand()]);
  if (!state.unlockAccepted && state.unlockRefusal === null) {
    const dueAt = ending.kind === 'TERM' ? state.lockEndsAt : null;
    await lock.sendUnlockCommand(dueAt);
    // After an early timer the workflow's clock still reads the timer's time: the wait runs from the lock's end.
    state.nextDueAt = Math.max(Date.now(), dueAt ?? 0) + input.deactivationWaitMs;
    if (ending.kind === 'TERM') void lock.record({ status: 'DEACTIVATING', nextProcessTime: state.nextDueAt });
  }
  // An override does not wait for the device (the new lock answers its check-ins from now on); an operator's
  // cancel after the term's end stops the wait.
  const skipWait = ending.kind === 'CANCEL' && ending.override && state.unlockAccepted;
  const waitStopped = () => state.unlockConfirmedAt !== null || (ending.kind === 'TERM' && state.cancel !== null);
  if (!skipWait) await lock.waitFor(waitStopped, state.nextDueAt);
  await lock.inventoryLock;
  recordFinalStatus(lock, ending);
}

/**
 * DEACTIVATED (the term ran out), CANCELLED, or FAILED: the gateway refused the LOCK, or refused the UNLOCK and
 * the device has not checked in since (then it may still be locked, and the inventory keeps it LOCKED to say so).
 */
function recordFinalStatus(lock: LockRun, ending: LockEnding): void {
  const { state } = lock;
  const unlockUnconfirmed = state.unlockRefusal !== null && state.unlockConfirmedAt === null;
  const failed = ending.kind === 'LOCK_REFUSED' || unlockUnconfirmed;
  const status = failed ? 'FAILED' : ending.kind === 'TERM' ? 'DEACTIVATED' : 'CANCELLED';
  const milestone = failed ? 'TEMP_LOCK_FAILED' : ending.kind === 'TERM' ? 'TEMP_LOCK_DEACTIVATED' : 'TEMP_LOCK_CANCELLED';
  // A LOCK the gateway refused after a check-in was answered LOCK: the device may have locked itself, and the
  // refused UNLOCK is what the status must say.
  const toldLockThenRefused = unlockUnconfirmed && ending.kind === 'LOCK_REFUSED' && state.deviceToldLock === true;
  const stillLocked = unlockUnconfirmed && state.lockedInInventory;
  const notes = [
    state.inventoryNote,
    stillLocked
      ? 'the device may still be locked: the gateway refused UNLOCK and the device has not checked in since, so the inventory keeps it LOCKED; unlock it in the device-control service'
      : toldLockThenRefused
        ? 'the device may be locked: a check-in was told LOCK before the gateway refused LOCK, and the gateway refused UNLOCK too; check the device in the device-control service'
        : null,
    state.unlockRefusal !== null && !unlockUnconfirmed
      ? `the gateway refused UNLOCK (${state.unlockRefusal}); the device was told UNLOCK at its check-in`
      : null,
    ending.kind === 'TERM' && state.unlockConfirmedAt === null && state.unlockRefusal === null
      ? 'the device did not check in after the unlock command'
      : null,
    ending.kind === 'TERM' && state.cancel ? `${state.cancel.reason} after the lock's end: it had run its term` : null,
  ].filter((n) => n !== null);
  state.nextDueAt = null;
  state.endReason = toldLockThenRefused
    ? `${ending.reason}; ${state.unlockRefusal}`
    : unlockUnconfirmed && ending.kind !== 'LOCK_REFUSED'
      ? state.unlockRefusal
      : ending.kind === 'TERM'
        ? null
        : ending.reason;
  const wasLocked = state.lockedInInventory && !stillLocked;
  state.lockedInInventory = stillLocked;
  void lock.record({
    status,
    nextProcessTime: null,
    endReason: state.endReason,
    note: notes.length > 0 ? notes.join('; ') : null,
    inventory: { kind: 'RESUME', wasLocked, milestone, ...(state.endReason !== null ? { reason: state.endReason } : {}) },
  });
}

/** The messages of a run: the device's check-in, a cancel, and the API's read of its state. */
function listen(lock: LockRun): void {
  setHandler(tempLockQuery, () => lock.view());
  setHandler(cancelSignal, (request) => lock.takeCancel(request));
  setHandler(checkInSignal, (checkIn) => lock.takeCheckIn(checkIn));
}
