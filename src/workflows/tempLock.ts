// TempLock (SPEC §5): one device locked for a while. Waits for working hours if asked, sends the lock
// command, activates on the device's check-in, holds the lock on a durable timer, sends the unlock command
// and lets the device resume its previous state. A cancel (or an overriding assign) ends it CANCELLED at any
// point, unlocking first if it had locked. Deterministic: time-zone maths and all I/O are in activities.
//
// Two workflow types run the same steps: `tempLockV2` (what the API starts) runs the store reads and writes
// as local activities, so a write costs the server no activity task and no extra workflow task (a lock's
// history: see docs/benchmarks.md); `tempLock` (regular activities) stays for runs started before V2 and for
// their histories. The store activities are idempotent (keyed by the action id and the transition's seq), so
// the re-run a local activity gets when a worker dies mid-task is harmless. A new type rather than
// patched(): a patch marker would also upsert a search attribute, i.e. one more visibility write per lock.
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DirectiveAnswer, TempLockStatus } from '../domain/tempLock';
import { LockCancelled, LockRun, StoreActivities, TempLockProxies } from './tempLockRun';

export interface TempLockInput {
  actionId: string;
  tenantId: string;
  deviceUid: string;
  deviceId: number;
  durationMinutes: number;
  /** The lock's length in ms: durationMinutes × one minute (shorter in tests and demos). */
  durationMs: number;
  workingHours: boolean;
  notification: unknown;
  requestedBy: string;
  /** How long DEACTIVATING waits for the device to check in after the unlock command. */
  deactivationWaitMs: number;
  /**
   * How much earlier than the lock's end the durable timer fires (0 when absent, as in runs started before it
   * existed). The unlock command then waits in the worker for the end itself (sendUnlockCommand waits for its
   * dueAt), so the server's timer queue, the workflow task and the worker's backlog have this long to deliver
   * the unlock before it is due, and the device is never unlocked early. At most a quarter of the lock.
   */
  unlockLeadMs?: number;
}

export interface CheckIn {
  /** Epoch ms at which the device checked in (stamped by the API on receipt). */
  checkedInAt: number;
}

export interface CancelRequest {
  reason: string;
  requestedBy: string;
}

export interface TempLockView extends DirectiveAnswer {
  actionId: string;
  workflowId: string;
  status: TempLockStatus;
  /** When the workflow acts next on its own (epoch ms): window opens, lock ends, unlock wait ends. */
  nextDueAt: number | null;
  lockStartedAt: number | null;
  lockEndsAt: number | null;
  checkIns: number;
  cancelRequested: boolean;
}

export interface TempLockOutcome {
  actionId: string;
  status: 'DEACTIVATED' | 'CANCELLED';
  lockStartedAt: number | null;
  lockEndsAt: number | null;
  cancelReason: string | null;
}

/** The device's check-in: answered with the directive once the check-in has been taken into account. */
export const checkInUpdate = defineUpdate<TempLockView, [CheckIn]>('checkIn');
/** Ends the lock CANCELLED (unlocking first if it had locked); sent by DELETE and by an overriding assign. */
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
export const tempLockQuery = defineQuery<TempLockView>('tempLock');

// A gateway outage is retried until it recovers, at most 5 s apart, so the command goes out soon after.
const gatewayRetry = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds' } as const;
// The lock command is a regular activity in both types: it rides through a gateway outage on the server's
// retries, and a cancel abandons it (LockRun.unlessCancelled).
const gateway = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: gatewayRetry });
// The unlock of a run started with an unlock lead (TempLockInput.unlockLeadMs, what the API starts): a regular
// activity scheduled when the early timer fires; it waits in the worker for the lock's end, then sends. Waiting,
// it holds only an activity slot (a local activity would hold its workflow task open, and a workflow-task slot).
// Its timeout is the wait plus 10 s for the gateway: if its worker dies meanwhile, another retries it after that.
const leadUnlockGateway = (waitMs: number) =>
  proxyActivities<Activities>({ startToCloseTimeout: Math.max(0, waitMs) + 10_000, retry: gatewayRetry });
// Runs started without a lead, and the unlock of a cancel: a local activity, run by the worker handling the
// timer, without queueing behind other activities on the task queue.
const unlockGateway = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: gatewayRetry });

const storeRetry = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' } as const;
const regularStores: TempLockProxies = {
  stores: proxyActivities<StoreActivities>({ startToCloseTimeout: '30 seconds', retry: storeRetry }),
  storesHoldTheTask: false,
};
// A local activity holds its workflow task open until it finishes, and with it every command of the task:
// - The unlock never waits for a status write. The timer's firing starts a new workflow task, whose first
//   activation schedules the unlock (sendUnlockAndAwaitCheckIn, right after the timer's await): the writes
//   are chained on LockRun.lastWrite, which nothing on the unlock path awaits, so the unlock and any write
//   are independent commands of that task. And no write is in flight when the timer fires: a workflow task
//   ends only once its local activities have (unless one outlasts 80% of the task timeout: the SDK then
//   completes the task and the timer's task follows at once), so only writes of ACTIVATED that outlast the
//   lock itself could hold the timer's task.
// - The lock's timer must reach the server when its task starts, not when that task's writes are done (the
//   timer runs from the moment the server gets it): the writes recorded in that task start in the next one
//   (LockRun.deferWritesToNextTask, in sendLockAndAwaitCheckIn and activate). The price: one short timer and
//   workflow task per lock, and the ACTIVATED status and the inventory LOCK land ~1 s after the check-in.
// - Other timers and commands in a task with a write leave when the write is done (tens of ms normally): the
//   lock command after WAITING, the working-hours wait, the deactivation wait.
// Backoffs longer than localRetryThreshold wait on durable timers: a store outage holds a task for its first
// attempts only, not until the store recovers.
const localStores: TempLockProxies = {
  stores: proxyLocalActivities<StoreActivities>({ startToCloseTimeout: '30 seconds', localRetryThreshold: '1 second', retry: storeRetry }),
  storesHoldTheTask: true,
};

/** The store activities as local activities (see localStores): what the API starts. */
export async function tempLockV2(input: TempLockInput): Promise<TempLockOutcome> {
  return runTempLock(input, localStores);
}

/** The first version: the store activities as regular activities. Kept for runs started before V2. */
export async function tempLock(input: TempLockInput): Promise<TempLockOutcome> {
  return runTempLock(input, regularStores);
}

async function runTempLock(input: TempLockInput, proxies: TempLockProxies): Promise<TempLockOutcome> {
  const lock = new LockRun(input, workflowInfo().workflowId, proxies);
  listen(lock);
  try {
    lock.record({ status: 'WAITING', milestone: 'TEMP_LOCK_ASSIGNED' });
    if (input.workingHours) await waitForWorkingHours(lock);
    await sendLockAndAwaitCheckIn(lock);
    await activate(lock);
    await holdUntilDue(lock);
    await sendUnlockAndAwaitCheckIn(lock);
    await deactivate(lock);
  } catch (err) {
    if (!(err instanceof LockCancelled) && !isCancellation(err)) throw err;
    await CancellationScope.nonCancellable(() => endCancelled(lock));
  }
  await lock.recorded();
  await condition(allHandlersFinished);
  return lock.outcome();
}

/** WAITING: sleeps on a durable timer until the tenant's next working instant (computed by an activity). */
async function waitForWorkingHours(lock: LockRun): Promise<void> {
  for (;;) {
    const { at, next } = await lock.stores.nextWorkingInstantOf({ tenantId: lock.input.tenantId });
    if (next === null) throw lock.cancelWith('the working-hours calendar has no working time within the search horizon');
    // Compared with the activity's own clock: the workflow clock lags it by the activity's round trip.
    if (next <= at) return;
    const waitMs = next - Date.now();
    lock.nextDueAt = next;
    lock.record({ status: 'WAITING', nextProcessTime: next });
    // Loops to re-check: the calendar may have changed while we slept.
    await lock.sleepUnlessCancelled(waitMs);
  }
}

/** Lock command → ACTIVATING → the device's check-in (any check-in after the command was requested). */
async function sendLockAndAwaitCheckIn(lock: LockRun): Promise<void> {
  lock.lockRequested = true;
  await lock.unlessCancelled(() => gateway.sendLockCommand(lock.command(null)));
  lock.nextDueAt = null;
  // The device checked in while the command was out: this task goes on to start the lock's timer (localStores).
  if (lock.storesHoldTheTask && lock.activationCheckIn !== null) void lock.deferWritesToNextTask();
  lock.record({ status: 'ACTIVATING', nextProcessTime: null });
  await lock.untilOrCancelled(() => lock.activationCheckIn !== null);
}

/** ACTIVATED: the lock starts at check-in (or the next working instant), the device goes LOCKED. */
async function activate(lock: LockRun): Promise<void> {
  const { input } = lock;
  const checkedInAt = lock.activationCheckIn!;
  let lockStartedAt = checkedInAt;
  if (input.workingHours) {
    const { next } = await lock.stores.nextWorkingInstantOf({ tenantId: input.tenantId, at: checkedInAt });
    lockStartedAt = next ?? checkedInAt;
  }
  lock.lockStartedAt = lockStartedAt;
  lock.lockEndsAt = lockStartedAt + input.durationMs;
  lock.nextDueAt = lock.lockEndsAt;
  // Local-activity stores: this task starts the lock's timer (holdUntilDue), so its writes wait for the next
  // one (localStores). For a working-hours lock the calendar lookup above has held this task already: the
  // timer, computed from the task's start, ends late by that lookup's duration (a PostgreSQL read).
  const timerSent = lock.storesHoldTheTask ? lock.deferWritesToNextTask() : null;
  lock.record({ status: 'ACTIVATED', checkedInAt, lockStartedAt, lockEndsAt: lock.lockEndsAt, nextProcessTime: lock.lockEndsAt });
  // The device goes LOCKED in the inventory while the timer already runs: a busy activity queue or database
  // may delay this write, never the unlock. Not cancellable half-way: whether it locked must be known to undo it.
  const lockDevice = () =>
    lock.stores.lockDeviceForTempLock({ facts: lock.facts, checkedInAt, lockStartedAt, lockEndsAt: lock.lockEndsAt! });
  lock.inventoryLock = CancellationScope.nonCancellable(() => (timerSent ? timerSent.then(lockDevice) : lockDevice())).then(
    ({ locked, note }) => {
      lock.lockedInInventory = locked;
      lock.inventoryNote = note;
    },
  );
}

/**
 * The durable timer: survives worker restarts; fires at the lock's end (less the unlock lead, see
 * TempLockInput.unlockLeadMs), not on a polling interval.
 */
async function holdUntilDue(lock: LockRun): Promise<void> {
  // At most a quarter of the lock: a short lock (demos, tests) keeps most of its time on the timer.
  const leadMs = Math.min(lock.input.unlockLeadMs ?? 0, Math.floor(lock.input.durationMs / 4));
  await lock.sleepUnlessCancelled(lock.lockEndsAt! - leadMs - Date.now());
}

/** Unlock command the moment the timer fires → DEACTIVATING → the device's next check-in, or a bounded wait. */
async function sendUnlockAndAwaitCheckIn(lock: LockRun): Promise<void> {
  const withLead = lock.input.unlockLeadMs !== undefined;
  // With a lead the lock holds until the activity has sent the unlock at the lock's end: until then a
  // check-in is still answered LOCK (and is not the check-in that confirms the unlock).
  if (!withLead) lock.unlockRequested = true;
  // Scheduled in the first activation of the timer's task; never behind a status write (see localStores).
  // Sent at the lock's end, not before: the activity waits for the command's dueAt (the unlock lead).
  const unlockSender = withLead ? leadUnlockGateway(lock.lockEndsAt! - Date.now()) : unlockGateway;
  await unlockSender.sendUnlockCommand(lock.command(lock.lockEndsAt));
  lock.unlockRequested = true;
  lock.unlockSent = true;
  // After an early timer the workflow's clock still reads the timer's time: the wait runs from the lock's end.
  lock.nextDueAt = Math.max(Date.now(), lock.lockEndsAt!) + lock.input.deactivationWaitMs;
  lock.record({ status: 'DEACTIVATING', nextProcessTime: lock.nextDueAt });
  await lock.untilOrCancelled(() => lock.deactivationCheckIn !== null, lock.nextDueAt - Date.now());
}

/** DEACTIVATED: the device resumes its previous state and loses the lock's ext_fields. */
async function deactivate(lock: LockRun): Promise<void> {
  await lock.inventoryLock;
  await lock.stores.unlockDeviceAfterTempLock({ facts: lock.facts, wasLocked: lock.lockedInInventory, milestone: 'TEMP_LOCK_DEACTIVATED' });
  lock.lockedInInventory = false;
  lock.nextDueAt = null;
  const confirmed = lock.deactivationCheckIn !== null;
  const note = [lock.inventoryNote, confirmed ? null : 'the device did not check in after the unlock command'].filter((n) => n !== null);
  lock.record({ status: 'DEACTIVATED', nextProcessTime: null, note: note.length > 0 ? note.join('; ') : null });
}

/** CANCELLED from any status: unlock if the lock command may have gone out, resume the device if it was locked. */
async function endCancelled(lock: LockRun): Promise<void> {
  lock.cancelRequested = true;
  if (lock.lockRequested && !lock.unlockSent) {
    lock.unlockRequested = true;
    await unlockGateway.sendUnlockCommand(lock.command(null));
    lock.unlockSent = true;
  }
  await lock.inventoryLock;
  await lock.stores.unlockDeviceAfterTempLock({
    facts: lock.facts,
    wasLocked: lock.lockedInInventory,
    milestone: 'TEMP_LOCK_CANCELLED',
    reason: lock.cancelReason,
  });
  lock.lockedInInventory = false;
  lock.nextDueAt = null;
  lock.record({ status: 'CANCELLED', nextProcessTime: null, cancelReason: lock.cancelReason, note: lock.inventoryNote });
}

/** The messages of a run (both types): the device's check-in, a cancel, and the API's read of its state. */
function listen(lock: LockRun): void {
  setHandler(tempLockQuery, () => lock.view());
  setHandler(cancelSignal, ({ reason }) => {
    if (lock.cancelRequested) return;
    lock.cancelRequested = true;
    lock.cancelReason = reason;
  });
  setHandler(
    checkInUpdate,
    async ({ checkedInAt }) => {
      lock.checkIns++;
      if (lock.unlockRequested) lock.deactivationCheckIn ??= checkedInAt;
      else if (lock.lockRequested) lock.activationCheckIn ??= checkedInAt;
      // Once the lock command is out, this check-in activates the lock: answer with the lock's end, not a
      // provisional LOCK. (While the command is still being retried, e.g. in a gateway outage, answer at once.)
      await condition(() => !(lock.status === 'ACTIVATING' && lock.lockEndsAt === null) || lock.isEnding());
      return lock.view();
    },
    {
      validator: ({ checkedInAt }) => {
        if (typeof checkedInAt !== 'number' || !Number.isFinite(checkedInAt)) throw new Error('checkedInAt must be epoch milliseconds');
      },
    },
  );
}
