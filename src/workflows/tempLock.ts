// TempLock (SPEC §5): one device locked for a while. Waits for working hours if asked, sends the lock
// command, activates on the device's check-in, holds the lock on a durable timer, sends the unlock command
// and lets the device resume its previous state. A cancel (or an overriding assign) ends it CANCELLED at any
// point, unlocking first if it had locked. Deterministic: time-zone maths and all I/O are in activities.
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
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TempLockActionFacts, TempLockTransition } from '../activities/tempLock';
import { DirectiveAnswer, TempLockStatus, directiveFor } from '../domain/tempLock';

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
const gateway = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: gatewayRetry });
// The unlock is a local activity: it runs in the worker handling the timer, without queueing behind other
// activities on the task queue, so it leaves within moments of its due time even under load.
const unlockGateway = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: gatewayRetry });
const stores = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

class LockCancelled extends Error {}

export async function tempLock(input: TempLockInput): Promise<TempLockOutcome> {
  const lock = new LockRun(input, workflowInfo().workflowId);
  lock.listen();
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
    const { at, next } = await stores.nextWorkingInstantOf({ tenantId: lock.input.tenantId });
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
  lock.record({ status: 'ACTIVATING', nextProcessTime: null });
  await lock.untilOrCancelled(() => lock.activationCheckIn !== null);
}

/** ACTIVATED: the lock starts at check-in (or the next working instant), the device goes LOCKED. */
async function activate(lock: LockRun): Promise<void> {
  const { input } = lock;
  const checkedInAt = lock.activationCheckIn!;
  let lockStartedAt = checkedInAt;
  if (input.workingHours) {
    const { next } = await stores.nextWorkingInstantOf({ tenantId: input.tenantId, at: checkedInAt });
    lockStartedAt = next ?? checkedInAt;
  }
  lock.lockStartedAt = lockStartedAt;
  lock.lockEndsAt = lockStartedAt + input.durationMs;
  lock.nextDueAt = lock.lockEndsAt;
  lock.record({ status: 'ACTIVATED', checkedInAt, lockStartedAt, lockEndsAt: lock.lockEndsAt, nextProcessTime: lock.lockEndsAt });
  // The device goes LOCKED in the inventory while the timer already runs: a busy activity queue or database
  // may delay this write, never the unlock. Not cancellable half-way: whether it locked must be known to undo it.
  lock.inventoryLock = CancellationScope.nonCancellable(() =>
    stores.lockDeviceForTempLock({ facts: lock.facts, checkedInAt, lockStartedAt, lockEndsAt: lock.lockEndsAt! }),
  ).then(({ locked, note }) => {
    lock.lockedInInventory = locked;
    lock.inventoryNote = note;
  });
}

/** The durable timer: survives worker restarts; fires at the lock's end, not on a polling interval. */
async function holdUntilDue(lock: LockRun): Promise<void> {
  await lock.sleepUnlessCancelled(lock.lockEndsAt! - Date.now());
}

/** Unlock command the moment the timer fires → DEACTIVATING → the device's next check-in, or a bounded wait. */
async function sendUnlockAndAwaitCheckIn(lock: LockRun): Promise<void> {
  lock.unlockRequested = true;
  await unlockGateway.sendUnlockCommand(lock.command(lock.lockEndsAt));
  lock.unlockSent = true;
  lock.nextDueAt = Date.now() + lock.input.deactivationWaitMs;
  lock.record({ status: 'DEACTIVATING', nextProcessTime: lock.nextDueAt });
  await lock.untilOrCancelled(() => lock.deactivationCheckIn !== null, lock.input.deactivationWaitMs);
}

/** DEACTIVATED: the device resumes its previous state and loses the lock's ext_fields. */
async function deactivate(lock: LockRun): Promise<void> {
  await lock.inventoryLock;
  await stores.unlockDeviceAfterTempLock({ facts: lock.facts, wasLocked: lock.lockedInInventory, milestone: 'TEMP_LOCK_DEACTIVATED' });
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
  await stores.unlockDeviceAfterTempLock({
    facts: lock.facts,
    wasLocked: lock.lockedInInventory,
    milestone: 'TEMP_LOCK_CANCELLED',
    reason: lock.cancelReason,
  });
  lock.lockedInInventory = false;
  lock.nextDueAt = null;
  lock.record({ status: 'CANCELLED', nextProcessTime: null, cancelReason: lock.cancelReason, note: lock.inventoryNote });
}

/** The run's state, its message handlers, and the small waiting primitives the steps share. */
class LockRun {
  status: TempLockStatus = 'WAITING';
  seq = 0;
  lockRequested = false;
  unlockRequested = false;
  unlockSent = false;
  lockedInInventory = false;
  /** The inventory LOCK write, running alongside the lock's timer; awaited before anything undoes it. */
  inventoryLock: Promise<void> = Promise.resolve();
  inventoryNote: string | null = null;
  activationCheckIn: number | null = null;
  deactivationCheckIn: number | null = null;
  checkIns = 0;
  lockStartedAt: number | null = null;
  lockEndsAt: number | null = null;
  nextDueAt: number | null = null;
  cancelRequested = false;
  cancelReason: string | null = null;
  readonly facts: TempLockActionFacts;
  private lastWrite: Promise<void> = Promise.resolve();

  constructor(
    readonly input: TempLockInput,
    workflowId: string,
  ) {
    const { deactivationWaitMs: _unused, ...facts } = input;
    void _unused;
    this.facts = { ...facts, workflowId };
  }

  listen(): void {
    setHandler(tempLockQuery, () => this.view());
    setHandler(cancelSignal, ({ reason }) => {
      if (this.cancelRequested) return;
      this.cancelRequested = true;
      this.cancelReason = reason;
    });
    setHandler(
      checkInUpdate,
      async ({ checkedInAt }) => {
        this.checkIns++;
        if (this.unlockRequested) this.deactivationCheckIn ??= checkedInAt;
        else if (this.lockRequested) this.activationCheckIn ??= checkedInAt;
        // Once the lock command is out, this check-in activates the lock: answer with the lock's end, not a
        // provisional LOCK. (While the command is still being retried, e.g. in a gateway outage, answer at once.)
        await condition(() => !(this.status === 'ACTIVATING' && this.lockEndsAt === null) || this.isEnding());
        return this.view();
      },
      {
        validator: ({ checkedInAt }) => {
          if (typeof checkedInAt !== 'number' || !Number.isFinite(checkedInAt)) throw new Error('checkedInAt must be epoch milliseconds');
        },
      },
    );
  }

  view(): TempLockView {
    return {
      actionId: this.input.actionId,
      workflowId: this.facts.workflowId,
      status: this.status,
      ...directiveFor(this),
      nextDueAt: this.nextDueAt,
      lockStartedAt: this.lockStartedAt,
      lockEndsAt: this.lockEndsAt,
      checkIns: this.checkIns,
      cancelRequested: this.cancelRequested,
    };
  }

  outcome(): TempLockOutcome {
    return {
      actionId: this.input.actionId,
      status: this.status === 'CANCELLED' ? 'CANCELLED' : 'DEACTIVATED',
      lockStartedAt: this.lockStartedAt,
      lockEndsAt: this.lockEndsAt,
      cancelReason: this.cancelReason,
    };
  }

  command(dueAt: number | null) {
    const { tenantId, deviceUid, actionId, notification } = this.input;
    return { tenantId, deviceUid, actionId, notification, dueAt };
  }

  /**
   * Writes a transition (status document, history entry, milestone) with the next sequence number. The
   * writes go out one after another, in order, but the lock does not wait for them: a slow document store
   * delays the status documents, never the lock and unlock commands.
   */
  record(change: Omit<TempLockTransition, 'facts' | 'seq' | 'at'>): void {
    this.status = change.status;
    this.seq++;
    setCurrentDetails(this.describe());
    const transition: TempLockTransition = { facts: this.facts, seq: this.seq, at: Date.now(), ...change };
    this.lastWrite = this.lastWrite.then(() => stores.recordTempLockTransition(transition));
  }

  /** Every transition written (the run ends only after this). */
  async recorded(): Promise<void> {
    await this.lastWrite;
  }

  cancelWith(reason: string): LockCancelled {
    this.cancelRequested = true;
    this.cancelReason ??= reason;
    return new LockCancelled(reason);
  }

  /** Runs `work` (e.g. a gateway command that retries through an outage), abandoning it if a cancel arrives. */
  async unlessCancelled<T>(work: () => Promise<T>): Promise<T> {
    if (this.cancelRequested) throw new LockCancelled();
    const scope = new CancellationScope();
    try {
      const result = await scope.run(() =>
        Promise.race([work().then((value) => ({ value })), condition(() => this.cancelRequested).then(() => null)]),
      );
      if (result === null) throw new LockCancelled();
      return result.value;
    } finally {
      scope.cancel(); // Stops whichever lost the race: the activity, or the wait for a cancel.
    }
  }

  /** Waits for `done` (at most `timeoutMs` when given); a cancel ends the wait with LockCancelled. */
  async untilOrCancelled(done: () => boolean, timeoutMs?: number): Promise<void> {
    const cancelledOrDone = () => this.cancelRequested || done();
    if (timeoutMs === undefined) await condition(cancelledOrDone);
    else if (timeoutMs > 0) await condition(cancelledOrDone, timeoutMs);
    if (this.cancelRequested) throw new LockCancelled();
  }

  /** A durable timer that a cancel cuts short. */
  async sleepUnlessCancelled(ms: number): Promise<void> {
    if (ms > 0) await condition(() => this.cancelRequested, ms);
    if (this.cancelRequested) throw new LockCancelled();
  }

  private isEnding(): boolean {
    return this.cancelRequested || this.status === 'CANCELLED' || this.status === 'DEACTIVATED';
  }

  private describe(): string {
    const until = this.lockEndsAt === null ? '' : ` until ${new Date(this.lockEndsAt).toISOString()}`;
    return `${this.status}${this.status === 'ACTIVATED' ? until : ''} · device ${this.input.deviceUid}`;
  }
}
