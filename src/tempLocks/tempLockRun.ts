// One TempLock run: feeds the lock's reducer (lockState.ts) what happens — signals, timers, activity results — and
// runs the commands it returns: ordered status writes, the gateway's LOCK and UNLOCK, the calendar, timers,
// continue-as-new and the end. It holds no lock state of its own, only the handles of what is in flight.
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
import { GATEWAY_REFUSED, gatewayCommandTimeouts } from './lock';
import {
  reduceLock,
  startLockState,
  viewOf,
  type CommandAnswer,
  type LockCommand,
  type LockEventBody,
  type LockState,
  type TempLockState,
  type TransitionChange,
} from './lockState';
import { gatewayTaskQueues } from '../devices/contract';
import type { tempLock } from './tempLockWorkflow';
import type { TempLockInput, TempLockOutcome, TempLockView } from './contract';

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
  private state: LockState;
  private readonly facts: TempLockFacts;
  private readonly stores = proxyActivities<StoreActivities>({ startToCloseTimeout: '30 seconds', retry: storeRetry });
  private readonly localWrites = proxyLocalActivities<Pick<Activities, 'writeTempLockTransitions'>>({
    startToCloseTimeout: WRITE_ATTEMPT_TIMEOUT,
    scheduleToCloseTimeout: WRITE_LOCALLY_FOR,
    retry: localWriteRetry,
  });
  /** The workflow's root scope: a cancel through Temporal reaches the LOCK command in flight, as it reaches the run. */
  private readonly root = CancellationScope.current();
  /** Everything else the lock starts is shielded from it: the reducer decides what a cancel stops. */
  private readonly shielded = new CancellationScope({ cancellable: false });
  private lastWrite: Promise<unknown> = Promise.resolve();
  /** Transitions waiting for the write in flight; they go out together in the next one. */
  private nextBatch: TempLockTransition[] | null = null;
  private lockCommand: CancellationScope | null = null;
  private unlockCommand: CancellationScope | null = null;
  private readonly timers = new Map<number, CancellationScope>();
  private end: { kind: 'complete'; outcome: TempLockOutcome } | { kind: 'continueAsNew' } | null = null;
  /** An unexpected error in a callback (a failed write, an activity failing in a way no rule expects): fails the task. */
  private failure: { error: unknown } | null = null;
  private historyLongReported = false;
  /** Commands not yet run, in order: a cancel's command reaches Temporal a microtask later, so what follows it waits. */
  private readonly queued: LockCommand[] = [];
  private running = false;

  constructor(
    private readonly input: TempLockInput,
    resume?: TempLockState,
  ) {
    this.facts = {
      actionId: input.actionId,
      tenantId: input.tenantId,
      deviceUid: input.deviceUid,
      deviceId: input.deviceId,
      workflowId: workflowInfo().workflowId,
    };
    this.state = startLockState(input, resume);
    setCurrentDetails(this.describe());
  }

  /** Feeds the reducer one event, at the workflow's time, and runs the commands it returns. */
  dispatch(event: LockEventBody): void {
    const { state, commands } = reduceLock(this.state, { ...event, now: Date.now() });
    this.state = state;
    this.queued.push(...commands);
    if (!this.running) void this.runQueued();
  }

  /**
   * Runs the commands in order. The SDK sends a timer's or an activity's cancellation when the scope's cancel
   * has propagated (a microtask later): the next command waits for it, so Temporal gets them in the reducer's order.
   */
  private async runQueued(): Promise<void> {
    this.running = true;
    try {
      for (let command = this.queued.shift(); command !== undefined; command = this.queued.shift()) {
        this.run(command);
        if (['cancelTimer', 'stopLockCommand', 'stopUnlockCommand'].includes(command.type)) await Promise.resolve();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.running = false;
    }
  }

  view(): TempLockView {
    return viewOf(this.state.terms, this.state.lock, Date.now());
  }

  /**
   * Waits for the lock's end (its outcome) or its continue-as-new, reporting meanwhile a history Temporal finds
   * long and a cancel through Temporal (from then on the run waits shielded: its end runs to completion).
   */
  async untilOver(): Promise<TempLockOutcome> {
    let cancelled = false;
    const ready = () => this.end !== null || this.failure !== null || (workflowInfo().continueAsNewSuggested && !this.historyLongReported);
    for (;;) {
      try {
        await (cancelled ? CancellationScope.nonCancellable(() => condition(ready)) : condition(ready));
      } catch (err) {
        if (!isCancellation(err) || cancelled) throw err;
        cancelled = true;
        this.dispatch({ type: 'cancelledThroughTemporal' });
        continue;
      }
      if (this.failure !== null) throw this.failure.error;
      if (this.end?.kind === 'complete') return this.end.outcome;
      if (this.end?.kind === 'continueAsNew') {
        // The memo (the action id the API reads) is not carried over unless given.
        const continueAsNew = makeContinueAsNewFunc<typeof tempLock>({ memo: workflowInfo().memo });
        await CancellationScope.nonCancellable(() => continueAsNew(this.input, this.state.lock));
      }
      if (workflowInfo().continueAsNewSuggested && !this.historyLongReported) {
        this.historyLongReported = true;
        this.dispatch({ type: 'historyGrewLong' });
      }
    }
  }

  private run(command: LockCommand): void {
    switch (command.type) {
      case 'recordTransition':
        return this.record(command.change);
      case 'askCalendar':
        return this.settle(
          this.shielded.run(() => this.stores.nextWorkingInstantOf({ tenantId: this.input.tenantId })),
          ({ at, next }) => this.dispatch({ type: 'calendarAnswered', at, next }),
        );
      case 'startTimer':
        return this.startTimer(command.timer, command.at);
      case 'cancelTimer':
        this.timers.get(command.timer)?.cancel();
        this.timers.delete(command.timer);
        return;
      case 'sendLockCommand':
        return this.sendLockCommand();
      case 'stopLockCommand':
        return this.lockCommand?.cancel();
      case 'sendUnlockCommand':
        return this.sendUnlockCommand(command.dueAt);
      case 'stopUnlockCommand':
        return this.unlockCommand?.cancel();
      case 'continueAsNew':
        this.end = { kind: 'continueAsNew' };
        return;
      case 'complete':
        this.end = { kind: 'complete', outcome: command.outcome };
        return;
    }
  }

  private startTimer(timer: number, at: number): void {
    const scope = new CancellationScope({ cancellable: true, parent: this.shielded });
    this.timers.set(timer, scope);
    scope
      .run(() => sleep(Math.max(1, at - Date.now())))
      .then(
        () => {
          this.timers.delete(timer);
          this.dispatch({ type: 'timerFired', timer });
        },
        (err: unknown) => {
          if (!isCancellation(err)) this.fail(err);
        },
      );
  }

  /**
   * The LOCK command, alongside the wait for the device's check-in (activation never waits for it). A stop (or a
   * cancel through Temporal) aborts its request; it settles once it is abandoned for certain.
   */
  private sendLockCommand(): void {
    const scope = new CancellationScope({ cancellable: true, parent: this.root });
    this.lockCommand = scope;
    this.settleCommand(
      'LOCK',
      scope.run(() => this.gateway().sendLockCommand(this.command(null))),
      (answer) => this.dispatch({ type: 'lockCommandSettled', answer }),
    );
  }

  /** The UNLOCK command, retried until the gateway takes it or refuses the device for good; `dueAt`: not before. */
  private sendUnlockCommand(dueAt: number | null): void {
    const waitMs = dueAt === null ? 0 : dueAt - Date.now();
    const scope = new CancellationScope({ cancellable: true, parent: this.shielded });
    this.unlockCommand = scope;
    this.settleCommand(
      'UNLOCK',
      scope.run(() => this.gateway(waitMs).sendUnlockCommand(this.command(dueAt))),
      (answer) => this.dispatch({ type: 'unlockCommandSettled', answer }),
    );
  }

  private settleCommand(kind: 'LOCK' | 'UNLOCK', sent: Promise<number>, answered: (answer: CommandAnswer) => void): void {
    sent.then(
      (acceptedAt) => answered({ kind: 'accepted', acceptedAt }),
      (err: unknown) => {
        const failure = commandFailureOf(kind, err);
        if (failure !== null) answered({ kind: 'refused', reason: failure });
        else if (isCancellation(err)) answered({ kind: 'abandoned' });
        else this.fail(err);
      },
    );
  }

  private settle<T>(running: Promise<T>, answered: (value: T) => void): void {
    running.then(answered, (err: unknown) => this.fail(err));
  }

  private fail(error: unknown): void {
    this.failure ??= { error };
  }

  /**
   * The gateway commands: regular activities (a gateway outage is retried on the server, costing no events),
   * whose attempts — and heartbeat timeouts — outlive the HTTP request they make, so an attempt the server gives
   * up on has no request left in flight. `waitMs`: how long the unlock waits for its due time. A stop waits
   * until the command is abandoned for certain (the request aborted), so nothing sent after it can overtake it.
   */
  private gateway(waitMs = 0): Pick<Activities, 'sendLockCommand' | 'sendUnlockCommand'> {
    const { startToCloseMs, heartbeatMs } = gatewayCommandTimeouts(this.input.gatewayTimeoutMs);
    const options = {
      startToCloseTimeout: Math.max(0, waitMs) + startToCloseMs,
      heartbeatTimeout: heartbeatMs,
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: gatewayRetry,
      // Per-tenant fairness on the gateway's queues (README, "Per-tenant fairness"): one tenant's storm does not queue another's command.
      priority: { fairnessKey: this.input.tenantId },
    };
    // Each kind on its own task queue: the gateway's rate limit and slots (src/platform/worker/gatewayWorkers.ts).
    const queues = gatewayTaskQueues(workflowInfo().taskQueue);
    return {
      sendLockCommand: proxyActivities<Pick<Activities, 'sendLockCommand'>>({ ...options, taskQueue: queues.locks }).sendLockCommand,
      sendUnlockCommand: proxyActivities<Pick<Activities, 'sendUnlockCommand'>>({ ...options, taskQueue: queues.unlocks })
        .sendUnlockCommand,
    };
  }

  private command(dueAt: number | null) {
    const { tenantId, serviceTypeId, provisionType, deviceUid, actionId, notification } = this.input;
    const group = { tenantId, serviceTypeId, ...(provisionType !== undefined ? { provisionType } : {}) };
    return dueAt === null ? { ...group, deviceUid, actionId, notification, dueAt } : { ...group, deviceUid, actionId, dueAt };
  }

  /**
   * Writes a transition (status document, history entry, milestone, inventory change). The writes go out one
   * after another, in order; those made while one is in flight (or in the same workflow task) go out together in
   * the next activity, and the reducer hears when each has landed (with the inventory LOCK's outcome, if it had one).
   */
  private record(change: TransitionChange): void {
    const transition: TempLockTransition = { facts: this.facts, at: Date.now(), ...change };
    if (change.seq === 1) {
      const { durationMinutes, durationMs, workingHours, notification, requestedBy } = this.input;
      transition.terms = { durationMinutes, durationMs, workingHours, notification, requestedBy };
    }
    setCurrentDetails(this.describe());
    if (this.nextBatch === null) {
      const batch: TempLockTransition[] = [];
      this.nextBatch = batch;
      this.lastWrite = this.lastWrite
        .then(() => {
          this.nextBatch = null;
          // Never abandoned half-way: a cancel or continue-as-new waits for the lock's writes instead.
          return this.shielded.run(() => this.write(batch));
        })
        .then(
          (inventoryLock) => this.dispatch({ type: 'transitionsWritten', throughSeq: batch[batch.length - 1]!.seq, inventoryLock }),
          (err: unknown) => this.fail(err),
        );
    }
    this.nextBatch.push(transition);
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

  private describe(): string {
    const { status, lockEndsAt } = this.state.lock;
    const until = status === 'ACTIVATED' && lockEndsAt !== null ? ` until ${new Date(lockEndsAt).toISOString()}` : '';
    return `${status}${until} · device ${this.input.deviceUid}`;
  }
}
