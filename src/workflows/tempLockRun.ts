// One TempLock run's state and the small primitives its steps share: the ordered status writes, the
// waits a cancel cuts short, and what the device and the API are told. Used by both workflow types.
import { CancellationScope, condition, setCurrentDetails, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { TempLockActionFacts, TempLockTransition } from '../activities/tempLock';
import { TempLockStatus, directiveFor } from '../domain/tempLock';
import type { TempLockInput, TempLockOutcome, TempLockView } from './tempLock';

/** The store reads and writes of a lock: the activities whose proxies differ between the two workflow types. */
export type StoreActivities = Pick<
  Activities,
  'recordTempLockTransition' | 'lockDeviceForTempLock' | 'unlockDeviceAfterTempLock' | 'nextWorkingInstantOf'
>;

/** How a workflow type reaches its stores: the one thing `tempLock` and `tempLockV2` do differently. */
export interface TempLockProxies {
  stores: StoreActivities;
  /**
   * true when the store activities are local activities: those hold their workflow task open until they
   * finish, and with it every command of that task (timers, the update's answer). See `deferWritesToNextTask`.
   */
  storesHoldTheTask: boolean;
}

export class LockCancelled extends Error {}

export class LockRun {
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
  readonly stores: StoreActivities;
  readonly storesHoldTheTask: boolean;
  private lastWrite: Promise<void> = Promise.resolve();
  /** Set while the writes recorded in this workflow task wait for the next one (see deferWritesToNextTask). */
  private nextTask: Promise<void> | null = null;

  constructor(
    readonly input: TempLockInput,
    workflowId: string,
    proxies: TempLockProxies,
  ) {
    const { deactivationWaitMs: _unused, ...facts } = input;
    void _unused;
    this.facts = { ...facts, workflowId };
    this.stores = proxies.stores;
    this.storesHoldTheTask = proxies.storesHoldTheTask;
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
   * delays the status documents, never the unlock. (As local activities they hold their workflow task, and
   * e.g. the lock command in it, for as long as they take: see localStores in tempLock.ts.)
   */
  record(change: Omit<TempLockTransition, 'facts' | 'seq' | 'at'>): void {
    this.status = change.status;
    this.seq++;
    setCurrentDetails(this.describe());
    const transition: TempLockTransition = { facts: this.facts, seq: this.seq, at: Date.now(), ...change };
    this.lastWrite = this.lastWrite.then(() => this.stores.recordTempLockTransition(transition));
  }

  /** Every transition written (the run ends only after this). */
  async recorded(): Promise<void> {
    await this.lastWrite;
  }

  /**
   * The status writes recorded from now on in this workflow task (and whatever the caller chains on the
   * promise returned) start in the next workflow task, so that this task, and the lock's timer in it, reach
   * the server without waiting for them. For local-activity stores only: a regular activity is just a
   * command of the task. Costs a 1 ms durable timer (nothing else hands the task back to the server); called
   * twice in one task, the second call reuses the first timer.
   */
  deferWritesToNextTask(): Promise<void> {
    if (this.nextTask === null) {
      const nextTask = CancellationScope.nonCancellable(() => sleep(1));
      this.nextTask = nextTask;
      this.lastWrite = this.lastWrite.then(() => nextTask);
      void nextTask.then(() => {
        this.nextTask = null;
      });
    }
    return this.nextTask;
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

  isEnding(): boolean {
    return this.cancelRequested || this.status === 'CANCELLED' || this.status === 'DEACTIVATED';
  }

  private describe(): string {
    const until = this.lockEndsAt === null ? '' : ` until ${new Date(this.lockEndsAt).toISOString()}`;
    return `${this.status}${this.status === 'ACTIVATED' ? until : ''} · device ${this.input.deviceUid}`;
  }
}
