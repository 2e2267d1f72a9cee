// TempLock (SPEC §5): one device locked for a while. Waits for working hours if asked, sends the lock command,
// activates on the device's check-in, holds the lock on a durable timer, sends the unlock command at the lock's
// end and lets the device resume its previous state. A cancel (or an overriding assign) ends it CANCELLED at
// any point before its end, unlocking first if the lock command went out; a gateway that refuses the device
// for good ends it FAILED. A lock may last a year and its device check in at will: the run continues as new,
// carrying its state, whenever Temporal suggests it or a run has taken CHECK_INS_PER_RUN check-ins.
// Deterministic: time-zone maths and all I/O are in activities; the check-in's times come from the API.
import { CancellationScope, defineQuery, defineSignal, isCancellation, setHandler } from '@temporalio/workflow';
import { TempLockStatus, type Directive, type DirectiveAnswer } from '../domain/tempLock';
import type { CheckInTime } from '../domain/tempLock';
import type { InventoryChange } from '../db/tempLockStore';
import { LockCancelled, LockRun, TempLockState, gatewayRefusalOf } from './tempLockRun';

export type { TempLockState } from './tempLockRun';

export interface TempLockInput {
  actionId: string;
  tenantId: string;
  deviceUid: string;
  deviceId: number;
  durationMinutes: number;
  /** The lock's length in ms: durationMinutes × one minute (shorter in tests and demos). */
  durationMs: number;
  workingHours: boolean;
  /** The operator's JSON for the device, at most MAX_NOTIFICATION_BYTES. */
  notification: unknown;
  requestedBy: string;
  /** How long DEACTIVATING waits for the device to check in after the unlock command. */
  deactivationWaitMs: number;
  /**
   * How much earlier than the lock's end the durable timer fires (at most a quarter of the lock). The unlock
   * command then waits in the worker for the end itself, so the server's timer queue, the workflow task and the
   * worker's backlog have this long to deliver it, and the device is never unlocked early.
   */
  unlockLeadMs: number;
  /** The gateway client's request timeout: the command activities' timeouts derive from it (gatewayCommandTimeouts). */
  gatewayTimeoutMs: number;
  /** Check-ins a run takes before it continues as new (default CHECK_INS_PER_RUN; tests lower it). */
  checkInsPerRun?: number;
}

/** The device's check-in, signalled by the API with its own clock's times and the answer it gave the device. */
export interface CheckIn extends CheckInTime {
  /** The request's id: a retried request carrying the same id counts once. */
  checkInId: string;
  /** The lock the API answered for and what it told the device: the lock acts on the check-in as the device was told. */
  answer: { actionId: string; directive: Directive };
}

export interface CancelRequest {
  reason: string;
  requestedBy: string;
  /** The lock the cancel is meant for (the API's read of the running lock). */
  actionId?: string;
}

export interface TempLockView extends DirectiveAnswer {
  actionId: string;
  status: TempLockStatus;
  /** When the workflow acts next on its own (epoch ms): window opens, lock ends, unlock wait ends. */
  nextDueAt: number | null;
  checkedInAt: number | null;
  lockStartedAt: number | null;
  lockEndsAt: number | null;
  checkIns: number;
  cancelRequested: boolean;
}

export interface TempLockOutcome {
  actionId: string;
  status: 'DEACTIVATED' | 'CANCELLED' | 'FAILED';
  lockStartedAt: number | null;
  lockEndsAt: number | null;
  /** Why it was cancelled, or the gateway's reason for refusing it. */
  endReason: string | null;
}

/** The device's check-in: recorded by the server whether or not a worker is up. */
export const checkInSignal = defineSignal<[CheckIn]>('checkIn');
/** Ends the lock CANCELLED (unlocking first if it may have locked); sent by DELETE and by an overriding assign. */
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
export const tempLockQuery = defineQuery<TempLockView>('tempLock');

export async function tempLock(input: TempLockInput, resume?: TempLockState): Promise<TempLockOutcome> {
  const lock = new LockRun(input, resume);
  listen(lock);
  try {
    if (lock.state.cancel) throw new LockCancelled();
    if (lock.is('WAITING')) {
      if (!resume) void lock.record({ status: 'WAITING', milestone: 'TEMP_LOCK_ASSIGNED' });
      if (input.workingHours) await waitForWorkingHours(lock);
      // Stored before the command goes out: the device's check-in in answer to it finds ACTIVATING and is told LOCK.
      await lock.record({ status: 'ACTIVATING', nextProcessTime: null });
    }
    if (lock.is('ACTIVATING')) {
      await sendLockCommand(lock);
      await lock.waitFor(() => lock.state.checkedInAt !== null);
      activate(lock);
    }
    if (lock.is('ACTIVATED')) {
      await lock.waitFor(() => false, lock.unlockTimerAt());
      await sendUnlockCommand(lock);
    }
    await lock.waitFor(() => lock.state.unlockConfirmedAt !== null, lock.state.nextDueAt, { cancelEnds: false });
    await deactivate(lock);
  } catch (err) {
    const refusal = gatewayRefusalOf(err);
    if (refusal !== null) await CancellationScope.nonCancellable(() => endFailed(lock, refusal));
    else if (err instanceof LockCancelled || isCancellation(err)) await CancellationScope.nonCancellable(() => endCancelled(lock));
    else throw err; // includes continue-as-new
  }
  await lock.recorded();
  return lock.outcome();
}

/** WAITING: sleeps on a durable timer until the tenant's next working instant (computed by an activity). */
async function waitForWorkingHours(lock: LockRun): Promise<void> {
  for (;;) {
    const { at, next } = await lock.stores.nextWorkingInstantOf({ tenantId: lock.input.tenantId });
    if (next === null) throw lock.cancelWith('the working-hours calendar has no working time within the search horizon');
    // Compared with the activity's own clock: the workflow clock lags it by the activity's round trip.
    if (next <= at) return;
    if (lock.state.nextDueAt !== next) void lock.record({ status: 'WAITING', nextProcessTime: next });
    lock.state.nextDueAt = next;
    // Loops to re-check: the calendar may have changed while we slept.
    await lock.waitFor(() => false, next);
  }
}

/** ACTIVATING: the lock command, retried through a gateway outage; a cancel abandons it for certain first. */
async function sendLockCommand(lock: LockRun): Promise<void> {
  if (lock.state.lockCommandSent) return;
  await lock.settle(() => lock.gateway().sendLockCommand(lock.command(null)), { cancelInterrupts: true });
  lock.state.lockCommandSent = true;
}

/** ACTIVATED: the lock runs from the check-in's start (the API's times) for its duration; the device goes LOCKED. */
function activate(lock: LockRun): void {
  const { state, input } = lock;
  state.nextDueAt = state.lockEndsAt;
  // The inventory LOCK goes with the status write, alongside the lock's timer: a busy database delays this
  // write, never the unlock. Whether it locked is awaited before anything undoes it.
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
 * The unlock command, scheduled when the timer fires (the unlock lead before the end) and sent at the end. Once
 * it is scheduled the lock has run its term: a cancel from now on changes nothing, and the lock ends DEACTIVATED.
 */
async function sendUnlockCommand(lock: LockRun): Promise<void> {
  const { state } = lock;
  await lock.settle(() => lock.gateway(state.lockEndsAt! - Date.now()).sendUnlockCommand(lock.command(state.lockEndsAt)), {
    cancelInterrupts: false,
  });
  state.unlockCommandSent = true;
  // After an early timer the workflow's clock still reads the timer's time: the wait runs from the lock's end.
  state.nextDueAt = Math.max(Date.now(), state.lockEndsAt!) + lock.input.deactivationWaitMs;
  void lock.record({ status: 'DEACTIVATING', nextProcessTime: state.nextDueAt });
}

/** DEACTIVATED: the device resumes its previous state and loses the lock's ext_fields. */
async function deactivate(lock: LockRun): Promise<void> {
  const { state } = lock;
  await lock.inventoryLock;
  state.nextDueAt = null;
  const notes = [
    state.inventoryNote,
    state.unlockConfirmedAt === null ? 'the device did not check in after the unlock command' : null,
    state.cancel ? `${state.cancel.reason} after the lock's end: it had run its term` : null,
  ].filter((n) => n !== null);
  void lock.record({
    status: 'DEACTIVATED',
    nextProcessTime: null,
    note: notes.length > 0 ? notes.join('; ') : null,
    inventory: resumeDevice(lock, 'TEMP_LOCK_DEACTIVATED'),
  });
}

/** CANCELLED before the lock's end: unlock if the lock command may have gone out, resume the device if it was locked. */
async function endCancelled(lock: LockRun): Promise<void> {
  const { state } = lock;
  state.cancel ??= { reason: 'cancelled through Temporal', requestedBy: 'temporal' };
  if (state.status !== 'WAITING' && !state.unlockCommandSent) {
    await lock.settle(() => lock.gateway().sendUnlockCommand(lock.command(null)), { cancelInterrupts: false });
    state.unlockCommandSent = true;
  }
  await lock.inventoryLock;
  state.nextDueAt = null;
  state.endReason = state.cancel.reason;
  void lock.record({
    status: 'CANCELLED',
    nextProcessTime: null,
    endReason: state.endReason,
    note: state.inventoryNote,
    inventory: resumeDevice(lock, 'TEMP_LOCK_CANCELLED', state.endReason),
  });
}

/**
 * FAILED: the gateway refused a command for good. A refused LOCK never locked the device; after a refused
 * UNLOCK the device may still be locked, and the inventory keeps it LOCKED to say so.
 */
async function endFailed(lock: LockRun, refusal: string): Promise<void> {
  const { state } = lock;
  await lock.inventoryLock;
  const unlockRefused = state.lockCommandSent;
  const note = unlockRefused && state.lockedInInventory ? 'the device may still be locked: the inventory keeps it LOCKED' : null;
  state.nextDueAt = null;
  state.endReason = refusal;
  void lock.record({
    status: 'FAILED',
    nextProcessTime: null,
    endReason: refusal,
    note: note ?? state.inventoryNote,
    inventory: { kind: 'RESUME', wasLocked: false, milestone: 'TEMP_LOCK_FAILED', reason: refusal },
  });
}

/** The final status's inventory change: the device resumes if the lock locked it, with the lock's last milestone. */
function resumeDevice(lock: LockRun, milestone: 'TEMP_LOCK_DEACTIVATED' | 'TEMP_LOCK_CANCELLED', reason?: string): InventoryChange {
  const wasLocked = lock.state.lockedInInventory;
  lock.state.lockedInInventory = false;
  return { kind: 'RESUME', wasLocked, milestone, ...(reason !== undefined ? { reason } : {}) };
}

/** The messages of a run: the device's check-in, a cancel, and the API's read of its state. */
function listen(lock: LockRun): void {
  setHandler(tempLockQuery, () => lock.view());
  setHandler(cancelSignal, (request) => lock.takeCancel(request));
  setHandler(checkInSignal, (checkIn) => lock.takeCheckIn(checkIn));
}
