// One TempLock run: the lock's state (one typed record, carried over continue-as-new), how it takes check-ins
// and cancels, its ordered status writes, and the waits that a cancel or a due continue-as-new cuts short.
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TemporalFailure,
  condition,
  isCancellation,
  makeContinueAsNewFunc,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { createTempLockActivities } from './activities';
import type { InventoryLockResult, TempLockFacts, TempLockTransition } from './store';
import {
  CHECK_INS_PER_RUN,
  GATEWAY_REFUSED,
  REPEATED_CHECK_IN_WINDOW_MS,
  TempLockStatus,
  answerCheckIn,
  gatewayCommandTimeouts,
} from './lock';
import { gatewayTaskQueues } from '../devices/contract';
import type { tempLock } from './tempLockWorkflow';
import type { CancelRequest, CheckIn, TempLockInput, TempLockOutcome, TempLockView } from './contract';

/** Why a lock is ending: its term ran out, it was cancelled (or overridden), or the gateway refused its LOCK. */
export type LockEnding =
  { kind: 'TERM' } | { kind: 'CANCEL'; reason: string; requestedBy: string; override: boolean } | { kind: 'LOCK_REFUSED'; reason: string };

/** Everything a lock knows beyond its input: what the next run starts from after continue-as-new. */
export interface TempLockState {
  status: TempLockStatus;
  /** Transitions written so far (the next one's key). */
  seq: number;
  /** The gateway took the LOCK command (it runs alongside the wait for the check-in, not before it). */
  lockCommandAccepted: boolean;
  /** The gateway took the UNLOCK command, or refused it for good (its reason). */
  unlockAccepted: boolean;
  unlockRefusal: string | null;
  /** The activating check-in (API time), and the lock's start and end derived from it. */
  checkedInAt: number | null;
  lockStartedAt: number | null;
  lockEndsAt: number | null;
  /**
   * The first check-in answered UNLOCK after the gateway took the LOCK (if it did): the device has been told to
   * unlock, and nothing it was told before says otherwise.
   */
  unlockConfirmedAt: number | null;
  /** When the gateway took the LOCK command (worker clock). Optional: state carried across continue-as-new only grows. */
  lockAcceptedAt?: number;
  /**
   * A check-in of this lock was answered LOCK (also one that raced the lock's ending, e.g. a LOCK the gateway then
   * refused): the device may have locked itself. Optional: state carried across continue-as-new only grows.
   */
  deviceToldLock?: boolean;
  nextDueAt: number | null;
  lockedInInventory: boolean;
  inventoryNote: string | null;
  checkIns: number;
  /** The last check-ins that counted (id, time, answer): a repeat of one of them counts once. */
  recentCheckIns: { id: string; at: number; directive: string }[];
  /** The first cancel asked for, kept also when it came too late to change the ending. */
  cancel: CancelRequest | null;
  ending: LockEnding | null;
  endReason: string | null;
}

const RECENT_CHECK_INS_KEPT = 16;

/** The gateway's reason when an activity failed because the gateway refused the command for good, else null. */
function gatewayRefusalOf(err: unknown): string | null {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === GATEWAY_REFUSED) {
    return err.cause.message;
  }
  return null;
}

/** Why a command activity ended without being taken: the gateway's refusal, or (never expected: retries are unbounded) its failure. */
function commandFailureOf(kind: 'LOCK' | 'UNLOCK', err: unknown): string | null {
  if (!(err instanceof ActivityFailure) || isCancellation(err)) return null;
  return gatewayRefusalOf(err) ?? `${kind} failed: ${err.cause?.message ?? err.message}`;
}

// A status write runs first as a local activity: in the worker, inside the workflow task that made it, so it
// costs the server no activity task and the workflow no extra task (an unlock is 3 workflow tasks and 1
// activity, not 5 and 3). Its retries are bounded — at most WRITE_LOCALLY_FOR in all, each attempt
// WRITE_ATTEMPT_TIMEOUT — so a slow or absent store adds a few events at most; then the same write goes out as a
// regular activity, whose retries run on the server and add no events however long the store is away. The
// write is idempotent (keys derive from the action id and the transition's seq), so a local attempt that timed
// out but landed late is harmless.
const WRITE_ATTEMPT_TIMEOUT = '10 seconds';
const WRITE_LOCALLY_FOR = '20 seconds';
const localWriteRetry = {
  initialInterval: '200 milliseconds',
  backoffCoefficient: 2,
  maximumInterval: '2 seconds',
  maximumAttempts: 5,
} as const;
const storeRetry = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' } as const;
// A gateway outage is retried until it recovers, at most 5 s apart, so the command goes out soon after.
const gatewayRetry = { initialInterval: '200 milliseconds', backoffCoefficient: 2, maximumInterval: '5 seconds' } as const;

type Activities = ReturnType<typeof createTempLockActivities>;
type StoreActivities = Pick<Activities, 'writeTempLockTransitions' | 'nextWorkingInstantOf'>;

export class LockRun {
  readonly state: TempLockState;
  readonly facts: TempLockFacts;
  readonly stores = proxyActivities<StoreActivities>({ startToCloseTimeout: '30 seconds', retry: storeRetry });
  private readonly localWrites = proxyLocalActivities<Pick<Activities, 'writeTempLockTransitions'>>({
    startToCloseTimeout: WRITE_ATTEMPT_TIMEOUT,
    scheduleToCloseTimeout: WRITE_LOCALLY_FOR,
    retry: localWriteRetry,
  });
  /** The inventory LOCK write, running alongside the lock's timer; awaited before anything undoes it. */
  inventoryLock: Promise<void> = Promise.resolve();
  private lastWrite: Promise<unknown> = Promise.resolve();
  /** Transitions waiting for the write in flight; they go out together in the next one. */
  private nextWrite: { transitions: TempLockTransition[]; written: Promise<InventoryLockResult | null> } | null = null;
  private signalsThisRun = 0;
  private lockCommand: { scope: CancellationScope; settled: Promise<void> } | null = null;

  constructor(
    readonly input: TempLockInput,
    resume?: TempLockState,
  ) {
    this.facts = {
      actionId: input.actionId,
      tenantId: input.tenantId,
      deviceUid: input.deviceUid,
      deviceId: input.deviceId,
      workflowId: workflowInfo().workflowId,
    };
    this.state = resume ?? {
      status: 'WAITING',
      seq: 0,
      lockCommandAccepted: false,
      unlockAccepted: false,
      unlockRefusal: null,
      checkedInAt: null,
      lockStartedAt: null,
      lockEndsAt: null,
      unlockConfirmedAt: null,
      nextDueAt: null,
      lockedInInventory: false,
      inventoryNote: null,
      checkIns: 0,
      recentCheckIns: [],
      cancel: null,
      ending: null,
      endReason: null,
    };
    setCurrentDetails(this.describe());
  }

  is(status: TempLockStatus): boolean {
    return this.state.status === status;
  }

  /**
   * The gateway commands: regular activities (a gateway outage is retried on the server, costing no events),
   * whose attempts — and heartbeat timeouts — outlive the HTTP request they make, so an attempt the server gives
   * up on has no request left in flight. `waitMs`: how long the unlock waits for its due time. A cancel waits
   * until the command is abandoned for certain (the request aborted), so nothing sent after it can overtake it.
   */
  gateway(waitMs = 0): Pick<Activities, 'sendLockCommand' | 'sendUnlockCommand'> {
    const { startToCloseMs, heartbeatMs } = gatewayCommandTimeouts(this.input.gatewayTimeoutMs);
    const options = {
      startToCloseTimeout: Math.max(0, waitMs) + startToCloseMs,
      heartbeatTimeout: heartbeatMs,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: gatewayRetry,
    };
    // Each kind on its own task queue: the gateway's rate limit and slots (src/platform/worker/gatewayWorkers.ts).
    const queues = gatewayTaskQueues(workflowInfo().taskQueue);
    return {
      sendLockCommand: proxyActivities<Pick<Activities, 'sendLockCommand'>>({ ...options, taskQueue: queues.locks }).sendLockCommand,
      sendUnlockCommand: proxyActivities<Pick<Activities, 'sendUnlockCommand'>>({ ...options, taskQueue: queues.unlocks })
        .sendUnlockCommand,
    };
  }

  command(dueAt: number | null) {
    const { tenantId, serviceTypeId, deviceUid, actionId, notification } = this.input;
    return dueAt === null
      ? { tenantId, serviceTypeId, deviceUid, actionId, notification, dueAt }
      : { tenantId, serviceTypeId, deviceUid, actionId, dueAt };
  }

  /** When the lock's timer fires: the unlock lead (at most a quarter of the lock) before its end. */
  unlockTimerAt(): number {
    const leadMs = Math.min(this.input.unlockLeadMs, Math.floor(this.input.durationMs / 4));
    return this.state.lockEndsAt! - leadMs;
  }

  /**
   * A check-in, acted on as the API answered it: the first one answered LOCK while ACTIVATING activates the
   * lock from its times; the first one answered UNLOCK confirms the unlock. A repeat (same request id, or the
   * same answer within REPEATED_CHECK_IN_WINDOW_MS) counts once.
   */
  takeCheckIn(checkIn: CheckIn): void {
    this.signalsThisRun++;
    const { state, input } = this;
    if (checkIn.answer.actionId !== input.actionId) return;
    const last = state.recentCheckIns[state.recentCheckIns.length - 1];
    const repeated =
      state.recentCheckIns.some((c) => c.id === checkIn.checkInId) ||
      (last !== undefined &&
        last.directive === checkIn.answer.directive &&
        Math.abs(checkIn.checkedInAt - last.at) < REPEATED_CHECK_IN_WINDOW_MS);
    if (repeated) return;
    state.checkIns++;
    if (checkIn.answer.directive === 'LOCK') state.deviceToldLock = true;
    state.recentCheckIns = [
      ...state.recentCheckIns.slice(1 - RECENT_CHECK_INS_KEPT),
      { id: checkIn.checkInId, at: checkIn.checkedInAt, directive: checkIn.answer.directive },
    ];
    if (checkIn.answer.directive === 'LOCK' && state.status === 'ACTIVATING' && state.checkedInAt === null && state.ending === null) {
      const { lockUntil } = answerCheckIn({ status: 'ACTIVATING', durationMs: input.durationMs, lockEndsAt: null }, checkIn);
      state.checkedInAt = checkIn.checkedInAt;
      state.lockStartedAt = checkIn.lockStartsAt;
      state.lockEndsAt = lockUntil;
    } else if (
      checkIn.answer.directive === 'UNLOCK' &&
      (state.ending !== null || (state.lockEndsAt !== null && checkIn.checkedInAt >= state.lockEndsAt))
    ) {
      // An UNLOCK answered before the gateway took a LOCK still in flight is overtaken by that LOCK: it does not count.
      if (state.lockAcceptedAt === undefined || checkIn.checkedInAt > state.lockAcceptedAt) state.unlockConfirmedAt ??= checkIn.checkedInAt;
    }
  }

  /**
   * A cancel for this lock (one meant for an earlier lock of the device is ignored): the lock ends CANCELLED,
   * unless its term has already run out (then it ends DEACTIVATED) or it is already ending for another reason.
   */
  takeCancel(request: CancelRequest): void {
    const { state } = this;
    if (request.actionId !== this.input.actionId) return;
    state.cancel ??= request;
    const { reason, requestedBy } = request;
    state.ending ??= { kind: 'CANCEL', reason, requestedBy, override: request.override ?? false };
  }

  /** Ends the lock CANCELLED for the product's own reason (e.g. a calendar without working time). */
  cancelBySystem(reason: string): void {
    this.takeCancel({ reason, requestedBy: 'system', actionId: this.input.actionId });
  }

  /**
   * Sends the LOCK command alongside the wait for the device's check-in (activation never waits for it), unless
   * the gateway took it already or the lock is ending. A refusal ends the lock (LOCK_REFUSED).
   */
  startLockCommand(): void {
    if (this.state.lockCommandAccepted || this.lockCommand !== null || this.state.ending !== null) return;
    const scope = new CancellationScope();
    const settled = scope
      .run(() => this.gateway().sendLockCommand(this.command(null)))
      .then(
        (acceptedAt) => {
          const { state } = this;
          state.lockCommandAccepted = true;
          state.lockAcceptedAt = acceptedAt;
          // A check-in answered UNLOCK (the term over) before this LOCK landed: the device was told LOCK after it.
          if (state.unlockConfirmedAt !== null && state.unlockConfirmedAt <= acceptedAt) state.unlockConfirmedAt = null;
        },
        (err: unknown) => {
          const failure = commandFailureOf('LOCK', err);
          if (failure === null && !isCancellation(err)) throw err;
          if (failure !== null) this.state.ending ??= { kind: 'LOCK_REFUSED', reason: failure };
        },
      );
    this.lockCommand = { scope, settled };
  }

  /**
   * Stops a LOCK command still in flight and waits until it is abandoned for certain (its request aborted, or its
   * attempt timed out on the server after the request's own timeout): nothing sent after this can be overtaken by it.
   */
  async stopLockCommand(): Promise<void> {
    const running = this.lockCommand;
    if (running === null) return;
    running.scope.cancel();
    await running.settled;
    if (this.lockCommand === running) this.lockCommand = null;
  }

  /**
   * Sends the UNLOCK command, retried until the gateway takes it or refuses the device for good. A due
   * continue-as-new does not interrupt it (the unlock is never held back), only a history Temporal finds too long.
   */
  async sendUnlockCommand(dueAt: number | null): Promise<void> {
    const { state } = this;
    const waitMs = dueAt === null ? 0 : dueAt - Date.now();
    try {
      await this.settle(() => this.gateway(waitMs).sendUnlockCommand(this.command(dueAt)));
      state.unlockAccepted = true;
    } catch (err) {
      const failure = commandFailureOf('UNLOCK', err);
      if (failure === null) throw err;
      state.unlockRefusal = failure;
    }
  }

  view(): TempLockView {
    const { state } = this;
    const now = Date.now();
    return {
      actionId: this.input.actionId,
      status: state.status,
      ...answerCheckIn(
        { status: state.status, durationMs: this.input.durationMs, lockEndsAt: state.lockEndsAt },
        { checkedInAt: now, lockStartsAt: now },
      ),
      nextDueAt: state.nextDueAt,
      checkedInAt: state.checkedInAt,
      lockStartedAt: state.lockStartedAt,
      lockEndsAt: state.lockEndsAt,
      checkIns: state.checkIns,
      cancelRequested: state.cancel !== null,
    };
  }

  outcome(): TempLockOutcome {
    const { state } = this;
    const status = state.status === 'CANCELLED' || state.status === 'FAILED' ? state.status : 'DEACTIVATED';
    return {
      actionId: this.input.actionId,
      status,
      lockStartedAt: state.lockStartedAt,
      lockEndsAt: state.lockEndsAt,
      endReason: state.endReason,
    };
  }

  /**
   * Writes a transition (status document, history entry, milestone, inventory change) with the next sequence
   * number. The writes go out one after another, in order; those made while one is in flight (or in the same
   * workflow task) go out together in the next activity. The lock waits for one only where the next step
   * depends on it; the promise gives the inventory LOCK's outcome when the write had one.
   */
  record(change: Omit<TempLockTransition, 'facts' | 'seq' | 'at' | 'terms'>): Promise<InventoryLockResult | null> {
    const { state, input } = this;
    state.status = change.status;
    state.seq++;
    setCurrentDetails(this.describe());
    const transition: TempLockTransition = { facts: this.facts, seq: state.seq, at: Date.now(), ...change };
    if (state.seq === 1) {
      const { durationMinutes, durationMs, workingHours, notification, requestedBy } = input;
      transition.terms = { durationMinutes, durationMs, workingHours, notification, requestedBy };
    }
    if (this.nextWrite === null) {
      const batch: TempLockTransition[] = [];
      const written = this.lastWrite.then(() => {
        this.nextWrite = null;
        // Never abandoned half-way: a cancel or continue-as-new waits for the lock's writes instead.
        return CancellationScope.nonCancellable(() => this.write(batch));
      });
      this.nextWrite = { transitions: batch, written };
      this.lastWrite = written;
    }
    this.nextWrite.transitions.push(transition);
    return this.nextWrite.written;
  }

  /** One write: locally while that is quick, else as a regular activity retried on the server until it lands. */
  private async write(batch: TempLockTransition[]): Promise<InventoryLockResult | null> {
    try {
      return await this.localWrites.writeTempLockTransitions(batch);
    } catch (err) {
      // A local activity's failure arrives as its cause (ApplicationFailure, TimeoutFailure), not wrapped.
      if (!(err instanceof TemporalFailure) || isCancellation(err)) throw err;
      return this.stores.writeTempLockTransitions(batch);
    }
  }

  /** Every transition written. */
  async recorded(): Promise<void> {
    await this.lastWrite;
  }

  /**
   * Every transition written, in a workflow task that has completed: a run ends or continues as new only after
   * this. The writes run as local activities inside a workflow task, and a task that closes the run is refused
   * when a signal arrives while it runs; its retry would run the writes again with the signal taken first — a
   * branch's status under a sequence number already stored for another (the store keeps the first). A timer
   * completes the task with its writes recorded, so the closing command goes alone in the next one.
   */
  async recordedInHistory(): Promise<void> {
    for (;;) {
      const transitions = this.state.seq;
      await this.lastWrite;
      await sleep(1);
      // A signal taken meanwhile may have written again.
      if (this.state.seq === transitions && this.nextWrite === null) return;
    }
  }

  /**
   * Waits for `done`, until `deadline` (epoch ms, workflow time) when given. When Temporal suggests it, or this
   * run has taken its share of check-ins, the run continues as new from here and the next one waits again to the
   * same deadline — unless the deadline comes first (a due step is never held back by a continue-as-new).
   */
  async waitFor(done: () => boolean, deadline: number | null = null): Promise<void> {
    for (;;) {
      const interrupted = () => done() || this.continueAsNewDue();
      if (deadline === null) await condition(interrupted);
      else if (deadline <= Date.now() || !(await condition(interrupted, deadline - Date.now()))) return;
      if (done()) return;
      await this.continueAsNew(deadline);
    }
  }

  /**
   * Runs a command activity to its end; if Temporal suggests continuing as new first (the history has grown
   * long), the activity is cancelled and its cancellation awaited (the request aborted), then the run continues
   * as new and the next one sends the command again.
   */
  private async settle<T>(work: () => Promise<T>): Promise<T> {
    let outcome: { value: T } | { error: unknown } | null = null;
    const scope = new CancellationScope();
    const running = scope.run(work).then(
      (value) => void (outcome = { value }),
      (error: unknown) => void (outcome = { error }),
    );
    const historyTooLong = () => workflowInfo().continueAsNewSuggested;
    await condition(() => outcome !== null || historyTooLong());
    if (outcome === null) {
      scope.cancel();
      await running;
    }
    const settled = outcome as { value: T } | { error: unknown } | null;
    if (settled !== null && 'value' in settled) return settled.value;
    if (historyTooLong() && (settled === null || isCancellation(settled.error))) {
      await this.continueAsNew(null);
    }
    throw settled?.error;
  }

  private continueAsNewDue(): boolean {
    return this.signalsThisRun >= (this.input.checkInsPerRun ?? CHECK_INS_PER_RUN) || workflowInfo().continueAsNewSuggested;
  }

  /**
   * Continues as new once the LOCK command is stopped and every write has landed; returns instead if `deadline`
   * comes first, so the caller goes on with its due step.
   */
  private async continueAsNew(deadline: number | null): Promise<void> {
    let ready = false;
    void (async () => {
      await this.stopLockCommand();
      await this.inventoryLock;
      await this.recordedInHistory();
      ready = true;
    })();
    if (deadline === null) await condition(() => ready);
    else if (deadline <= Date.now() || !(await condition(() => ready, deadline - Date.now()))) return;
    // The memo (the action id the API reads) is not carried over unless given.
    await makeContinueAsNewFunc<typeof tempLock>({ memo: workflowInfo().memo })(this.input, this.state);
  }

  private describe(): string {
    const { status, lockEndsAt } = this.state;
    const until = status === 'ACTIVATED' && lockEndsAt !== null ? ` until ${new Date(lockEndsAt).toISOString()}` : '';
    return `${status}${until} · device ${this.input.deviceUid}`;
  }
}
