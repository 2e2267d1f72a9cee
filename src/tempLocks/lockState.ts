// The temp lock's state as a pure reducer: reduceLock(state, event) → { state, commands }. The one place a lock's
// state changes: the TempLock workflow (tempLockWorkflow.ts) feeds it what happened — the device's check-ins,
// cancels, the gateway's and the store's answers, its timers — and runs the commands it returns (status writes,
// LOCK and UNLOCK, timers, continue-as-new, the end). Pure and deterministic: no I/O and no clock (each event
// carries the workflow's time), so unit tests walk it over every status and event, and it is workflow-safe.
import { CHECK_INS_PER_RUN, REPEATED_CHECK_IN_WINDOW_MS, answerCheckIn, type TempLockStatus } from './lock';
import type { CancelRequest, CheckIn, TempLockInput, TempLockOutcome, TempLockView } from './contract';
import type { InventoryLockResult, TempLockTransition } from './store';

/** Why a lock is ending: its term ran out, it was cancelled (or overridden), or the gateway refused its LOCK. */
type LockEnding =
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

/** The lock's terms the rules read: the workflow's input. */
export type LockTerms = Pick<
  TempLockInput,
  'actionId' | 'durationMs' | 'durationMinutes' | 'workingHours' | 'deactivationWaitMs' | 'unlockLeadMs' | 'checkInsPerRun'
>;

/**
 * Where this run is in the lock's story (SPEC §5's steps). Not carried over continue-as-new: the next run starts
 * again from the lock's status.
 */
type LockStep =
  | { name: 'starting' }
  | { name: 'askingCalendar' }
  | { name: 'waitingForWorkingTime'; until: number }
  | { name: 'storingActivating'; seq: number }
  | { name: 'awaitingCheckIn' }
  | { name: 'holding'; until: number }
  | { name: 'stoppingLockCommand' }
  | { name: 'unlocking'; dueAt: number | null }
  | { name: 'awaitingConfirmation'; until: number | null }
  | { name: 'closing' }
  | { name: 'over' };

/** What one run tracks besides the lock: its step, its commands in flight, its timers. */
interface LockRunProgress {
  step: LockStep;
  /** Every transition up to this seq is written. */
  writtenSeq: number;
  /** The ACTIVATED transition whose inventory LOCK's outcome is still to come. */
  inventoryLockSeq: number | null;
  /** The LOCK command of this run: 'settled' (answered) is not sent again in this run; 'stopping': abandoned, awaited. */
  lockCommand: 'none' | 'running' | 'stopping' | 'settled';
  unlockCommand: 'none' | 'running' | 'stopping';
  /** Check-in signals this run took (also those for another lock): the run continues as new after its share. */
  checkInsThisRun: number;
  /** Temporal suggests continuing as new (the history has grown long). */
  historyLong: boolean;
  /** The timer of the current wait's deadline, and whether it fired. */
  dueTimer: number | null;
  dueFired: boolean;
  /** Continue-as-new under way: the run stops its LOCK command and lands every write before it goes. */
  draining: boolean;
  /**
   * A 1 ms timer started once every write had landed: when it fires, the writes are in a workflow task that has
   * completed, and a run may end or continue as new (a closing task refused for a signal would run them again).
   */
  flush: { timer: number; seq: number; fired: boolean } | null;
  /** Timers started so far (the next one's id). */
  timers: number;
  /** The calendar changed while it was being asked: its answer may be stale, so it is asked again. */
  calendarChangedWhileAsking: boolean;
}

export interface LockState {
  terms: LockTerms;
  lock: TempLockState;
  run: LockRunProgress;
}

/** What a gateway command came to: taken (at the gateway's time), refused for good (the reason), or abandoned. */
export type CommandAnswer = { kind: 'accepted'; acceptedAt: number } | { kind: 'refused'; reason: string } | { kind: 'abandoned' };

/** What the lock's workflow takes, with its clock's time. */
export type LockEvent = LockEventBody & { now: number };

/** What happened, as the workflow reports it (it adds its clock's time). */
export type LockEventBody =
  | { type: 'runStarted'; resumed: boolean }
  | { type: 'checkIn'; checkIn: CheckIn }
  | { type: 'cancelRequested'; request: CancelRequest }
  /** The workflow execution was cancelled through Temporal: its waits are over, and the lock ends as if cancelled. */
  | { type: 'cancelledThroughTemporal' }
  /** The tenant's next working instant at or after `at` (the activity's clock); null when the calendar never opens. */
  | { type: 'calendarAnswered'; at: number; next: number | null }
  /** The tenant's working hours were replaced: a lock waiting for working time asks its calendar again. */
  | { type: 'calendarChanged' }
  | { type: 'timerFired'; timer: number }
  /** The transitions up to `throughSeq` are written; `inventoryLock`: the inventory LOCK's outcome, when one was among them. */
  | { type: 'transitionsWritten'; throughSeq: number; inventoryLock: InventoryLockResult | null }
  | { type: 'lockCommandSettled'; answer: CommandAnswer }
  | { type: 'unlockCommandSettled'; answer: CommandAnswer }
  | { type: 'historyGrewLong' };

/** A transition to write, as the reducer makes it (the workflow adds the lock's facts, its time and terms). */
export type TransitionChange = Omit<TempLockTransition, 'facts' | 'at' | 'terms'>;

/** What the workflow is to do, in order. */
export type LockCommand =
  | { type: 'recordTransition'; change: TransitionChange }
  | { type: 'askCalendar' }
  | { type: 'startTimer'; timer: number; at: number }
  | { type: 'cancelTimer'; timer: number }
  | { type: 'sendLockCommand' }
  /** Abandon the LOCK command in flight; its settling (lockCommandSettled) says when it is abandoned for certain. */
  | { type: 'stopLockCommand' }
  | { type: 'sendUnlockCommand'; dueAt: number | null }
  | { type: 'stopUnlockCommand' }
  | { type: 'continueAsNew' }
  | { type: 'complete'; outcome: TempLockOutcome };

const RECENT_CHECK_INS_KEPT = 16;
const NO_WORKING_TIME = 'the working-hours calendar has no working time within the search horizon';

/** A new lock, or the one a previous run handed over; the first event is runStarted. */
export function startLockState(terms: LockTerms, resume?: TempLockState): LockState {
  const lock: TempLockState = resume ?? {
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
  return {
    terms,
    lock,
    run: {
      step: { name: 'starting' },
      writtenSeq: lock.seq,
      inventoryLockSeq: null,
      lockCommand: 'none',
      unlockCommand: 'none',
      checkInsThisRun: 0,
      historyLong: false,
      dueTimer: null,
      dueFired: false,
      draining: false,
      flush: null,
      timers: 0,
      calendarChangedWhileAsking: false,
    },
  };
}

/** The lock's next state and the commands for the workflow to run, in order. Never changes `state`. */
export function reduceLock(state: LockState, event: LockEvent): { state: LockState; commands: LockCommand[] } {
  const reduction = new Reduction(state, event.now);
  reduction.take(event);
  reduction.advance();
  return { state: reduction.state, commands: reduction.commands };
}

/** One reduction: a copy of the state changed in place, and the commands made meanwhile. */
class Reduction {
  readonly state: LockState;
  readonly commands: LockCommand[] = [];

  constructor(
    previous: LockState,
    private readonly now: number,
  ) {
    // Nested records are replaced, never changed in place: a shallow copy of each level keeps `previous` intact.
    this.state = { terms: previous.terms, lock: { ...previous.lock }, run: { ...previous.run } };
  }

  private get lock(): TempLockState {
    return this.state.lock;
  }

  private get run(): LockRunProgress {
    return this.state.run;
  }

  take(event: LockEvent): void {
    switch (event.type) {
      case 'runStarted':
        return this.startRun(event.resumed);
      case 'checkIn':
        return this.takeCheckIn(event.checkIn);
      case 'cancelRequested':
        return this.takeCancel(event.request);
      case 'cancelledThroughTemporal':
        return this.takeTemporalCancel();
      case 'calendarAnswered':
        return this.takeCalendar(event.at, event.next);
      case 'calendarChanged':
        return this.takeCalendarChange();
      case 'timerFired':
        return this.takeTimer(event.timer);
      case 'transitionsWritten':
        return this.takeWritten(event.throughSeq, event.inventoryLock);
      case 'lockCommandSettled':
        return this.takeLockAnswer(event.answer);
      case 'unlockCommandSettled':
        return this.takeUnlockAnswer(event.answer);
      case 'historyGrewLong':
        this.run.historyLong = true;
        if (this.run.step.name === 'unlocking' && this.run.unlockCommand === 'running') {
          this.run.unlockCommand = 'stopping';
          this.commands.push({ type: 'stopUnlockCommand' });
        }
        return;
    }
  }

  // ── What happened ─────────────────────────────────────────────────────────────────────────────────────────────

  /** WAITING: the working-hours wait (recorded as assigned on a new lock); else where the status says. */
  private startRun(resumed: boolean): void {
    const { status } = this.lock;
    if (status === 'WAITING') {
      if (!resumed) this.record({ status: 'WAITING', milestone: 'TEMP_LOCK_ASSIGNED' });
      this.checkWorkingTime();
    } else if (status === 'ACTIVATING') this.activate();
    else if (status === 'ACTIVATED') this.hold();
    else if (status === 'DEACTIVATING') this.end();
    // A final status is never handed over (a run ends once it is written): only closes.
    else this.run.step = { name: 'closing' };
  }

  /**
   * A check-in, acted on as the API answered it: the first one answered LOCK while ACTIVATING activates the
   * lock from its times; the first one answered UNLOCK confirms the unlock. A repeat (same request id, or the
   * same answer within REPEATED_CHECK_IN_WINDOW_MS) counts once.
   */
  private takeCheckIn(checkIn: CheckIn): void {
    const { lock, terms } = this;
    this.run.checkInsThisRun++;
    if (checkIn.answer.actionId !== terms.actionId) return;
    const last = lock.recentCheckIns[lock.recentCheckIns.length - 1];
    const repeated =
      lock.recentCheckIns.some((c) => c.id === checkIn.checkInId) ||
      (last !== undefined &&
        last.directive === checkIn.answer.directive &&
        Math.abs(checkIn.checkedInAt - last.at) < REPEATED_CHECK_IN_WINDOW_MS);
    if (repeated) return;
    lock.checkIns++;
    if (checkIn.answer.directive === 'LOCK') lock.deviceToldLock = true;
    lock.recentCheckIns = [
      ...lock.recentCheckIns.slice(1 - RECENT_CHECK_INS_KEPT),
      { id: checkIn.checkInId, at: checkIn.checkedInAt, directive: checkIn.answer.directive },
    ];
    if (checkIn.answer.directive === 'LOCK' && lock.status === 'ACTIVATING' && lock.checkedInAt === null && lock.ending === null) {
      const { lockUntil } = answerCheckIn({ status: 'ACTIVATING', durationMs: terms.durationMs, lockEndsAt: null }, checkIn);
      lock.checkedInAt = checkIn.checkedInAt;
      lock.lockStartedAt = checkIn.lockStartsAt;
      lock.lockEndsAt = lockUntil;
    } else if (
      checkIn.answer.directive === 'UNLOCK' &&
      (lock.ending !== null || (lock.lockEndsAt !== null && checkIn.checkedInAt >= lock.lockEndsAt))
    ) {
      // An UNLOCK answered before the gateway took a LOCK still in flight is overtaken by that LOCK: it does not count.
      if (lock.lockAcceptedAt === undefined || checkIn.checkedInAt > lock.lockAcceptedAt) lock.unlockConfirmedAt ??= checkIn.checkedInAt;
    }
  }

  /**
   * A cancel for this lock (one meant for an earlier lock of the device is ignored): the lock ends CANCELLED,
   * unless its term has already run out (then it ends DEACTIVATED) or it is already ending for another reason.
   */
  private takeCancel(request: CancelRequest): void {
    const { lock } = this;
    if (request.actionId !== this.terms.actionId) return;
    lock.cancel ??= request;
    const { reason, requestedBy } = request;
    lock.ending ??= { kind: 'CANCEL', reason, requestedBy, override: request.override ?? false };
  }

  /**
   * Cancelled through Temporal: before the lock's end it ends as if cancelled, its waits (and a continue-as-new
   * under way) over at once. From the lock's end on it changes nothing: the end runs to completion.
   */
  private takeTemporalCancel(): void {
    const { step } = this.run;
    const waits = ['askingCalendar', 'waitingForWorkingTime', 'awaitingCheckIn', 'holding'];
    if (!['starting', 'storingActivating', ...waits].includes(step.name)) return;
    this.takeCancel({ reason: 'cancelled through Temporal', requestedBy: 'temporal', actionId: this.terms.actionId });
    if (!waits.includes(step.name)) return;
    this.stopDraining();
    this.cancelDueTimer();
    if (step.name === 'askingCalendar' || step.name === 'waitingForWorkingTime') this.afterWorkingTime();
    else this.end();
  }

  /** The calendar's answer: no working time ever (cancelled), working time now, or a wait until it comes. */
  private takeCalendar(at: number, next: number | null): void {
    const { lock, run } = this;
    if (run.step.name !== 'askingCalendar') return;
    if (run.calendarChangedWhileAsking) {
      run.calendarChangedWhileAsking = false;
      return this.checkWorkingTime();
    }
    if (next === null) {
      this.takeCancel({ reason: NO_WORKING_TIME, requestedBy: 'system', actionId: this.terms.actionId });
      return this.afterWorkingTime();
    }
    // Compared with the activity's own clock: the workflow clock lags it by the activity's round trip.
    if (next <= at) return this.afterWorkingTime();
    if (lock.nextDueAt !== next) this.record({ status: 'WAITING', nextProcessTime: next });
    lock.nextDueAt = next;
    this.enterWait({ name: 'waitingForWorkingTime', until: next });
  }

  /**
   * The working hours changed (a holiday removed may open them sooner, one added later): a lock waiting for working
   * time asks its calendar again now instead of at its timer; one asking already asks again once answered. A run
   * draining for continue-as-new leaves it to the next run, which asks the calendar first.
   */
  private takeCalendarChange(): void {
    const { run } = this;
    if (run.step.name === 'askingCalendar') run.calendarChangedWhileAsking = true;
    else if (run.step.name === 'waitingForWorkingTime' && !run.draining) {
      this.cancelDueTimer();
      this.checkWorkingTime();
    }
  }

  private takeTimer(timer: number): void {
    const { run } = this;
    if (timer === run.dueTimer) {
      run.dueTimer = null;
      run.dueFired = true;
    } else if (run.flush !== null && timer === run.flush.timer) {
      run.flush = { ...run.flush, fired: true };
    }
  }

  private takeWritten(throughSeq: number, inventoryLock: InventoryLockResult | null): void {
    const { run, lock } = this;
    if (run.inventoryLockSeq !== null && run.writtenSeq < run.inventoryLockSeq && run.inventoryLockSeq <= throughSeq) {
      lock.lockedInInventory = inventoryLock?.locked ?? false;
      lock.inventoryNote = inventoryLock?.note ?? null;
      run.inventoryLockSeq = null;
    }
    run.writtenSeq = Math.max(run.writtenSeq, throughSeq);
  }

  /** The LOCK command's answer: taken (a check-in answered UNLOCK before it is overtaken), or refused (the lock ends). */
  private takeLockAnswer(answer: CommandAnswer): void {
    const { lock, run } = this;
    run.lockCommand = run.lockCommand === 'stopping' ? 'none' : 'settled';
    if (answer.kind === 'accepted') {
      lock.lockCommandAccepted = true;
      lock.lockAcceptedAt = answer.acceptedAt;
      // A check-in answered UNLOCK (the term over) before this LOCK landed: the device was told LOCK after it.
      if (lock.unlockConfirmedAt !== null && lock.unlockConfirmedAt <= answer.acceptedAt) lock.unlockConfirmedAt = null;
    } else if (answer.kind === 'refused') {
      lock.ending ??= { kind: 'LOCK_REFUSED', reason: answer.reason };
    }
  }

  /**
   * The UNLOCK command's answer: taken, or refused for good; then the wait for the device's check-in runs from the
   * lock's end (after an early timer the workflow's clock still reads the timer's time). Abandoned only when the
   * history grew too long: the run continues as new and the next one sends it again.
   */
  private takeUnlockAnswer(answer: CommandAnswer): void {
    const { lock, run, terms } = this;
    run.unlockCommand = 'none';
    const { step } = run;
    if (step.name !== 'unlocking') return;
    if (answer.kind === 'abandoned') {
      run.draining = true;
      return;
    }
    if (answer.kind === 'accepted') lock.unlockAccepted = true;
    else lock.unlockRefusal = answer.reason;
    lock.nextDueAt = Math.max(this.now, step.dueAt ?? 0) + terms.deactivationWaitMs;
    if (lock.ending?.kind === 'TERM') this.record({ status: 'DEACTIVATING', nextProcessTime: lock.nextDueAt });
    this.awaitConfirmation();
  }

  // ── The story's steps ─────────────────────────────────────────────────────────────────────────────────────────

  /** WAITING, working hours on: asks the calendar (again after each wait: it may have changed meanwhile). */
  private checkWorkingTime(): void {
    if (this.terms.workingHours && this.lock.ending === null) {
      this.run.step = { name: 'askingCalendar' };
      this.commands.push({ type: 'askCalendar' });
    } else this.afterWorkingTime();
  }

  /** Working time (or cancelled while WAITING). ACTIVATING is stored before the LOCK goes out: a check-in in answer to it is told LOCK. */
  private afterWorkingTime(): void {
    if (this.lock.ending !== null) return this.end();
    const seq = this.record({ status: 'ACTIVATING', nextProcessTime: null });
    this.run.step = { name: 'storingActivating', seq };
  }

  /** ACTIVATING: the LOCK command goes out and the device's first check-in answered LOCK activates the lock. */
  private activate(): void {
    this.startLockCommand();
    this.enterWait({ name: 'awaitingCheckIn' });
  }

  /**
   * ACTIVATED: the lock runs from the check-in's start (the API's times) for its duration; the device goes LOCKED.
   * The inventory LOCK goes with the status write, alongside the lock's timer: a busy database delays this write,
   * never the unlock. Whether it locked is awaited before anything undoes it.
   */
  private activated(): void {
    const { lock, terms } = this;
    lock.nextDueAt = lock.lockEndsAt;
    this.run.inventoryLockSeq = this.record({
      status: 'ACTIVATED',
      checkedInAt: lock.checkedInAt,
      lockStartedAt: lock.lockStartedAt,
      lockEndsAt: lock.lockEndsAt,
      nextProcessTime: lock.lockEndsAt,
      inventory: {
        kind: 'LOCK',
        durationMinutes: terms.durationMinutes,
        checkedInAt: lock.checkedInAt!,
        lockStartedAt: lock.lockStartedAt!,
        lockEndsAt: lock.lockEndsAt!,
      },
    });
    this.hold();
  }

  /**
   * ACTIVATED: a timer to the lock's end, fired the unlock lead early (the unlock command waits in the worker for
   * the end itself). Once it fires the lock has run its term: a cancel from then on changes nothing.
   */
  private hold(): void {
    this.startLockCommand(); // still owed after a continue-as-new
    const leadMs = Math.min(this.terms.unlockLeadMs, Math.floor(this.terms.durationMs / 4));
    this.enterWait({ name: 'holding', until: this.lock.lockEndsAt! - leadMs });
  }

  /**
   * The lock's end, for every reason. Nothing was sent while WAITING: the final status at once. Otherwise the
   * device may have been told LOCK, so the stored status answers check-ins UNLOCK before an UNLOCK can reach the
   * device (DEACTIVATING; at the term's end, ACTIVATED with the end that answers UNLOCK — a write a store outage
   * held back would still answer LOCK), and a LOCK command still in flight is abandoned for certain.
   */
  private end(): void {
    const { lock } = this;
    const ending = lock.ending!;
    if (lock.status === 'WAITING') return this.recordFinalStatus();
    if (ending.kind !== 'TERM' && lock.status !== 'DEACTIVATING') {
      this.record({ status: 'DEACTIVATING', nextProcessTime: null, note: `unlocking: ${ending.reason}` });
    }
    this.stopLockCommand();
    this.run.step = { name: 'stoppingLockCommand' };
  }

  /** The UNLOCK goes out, retried until the gateway takes it or refuses the device; unless a previous run had it answered. */
  private unlock(): void {
    const { lock } = this;
    if (lock.unlockAccepted || lock.unlockRefusal !== null) return this.awaitConfirmation();
    const dueAt = lock.ending!.kind === 'TERM' ? lock.lockEndsAt : null;
    this.run.step = { name: 'unlocking', dueAt };
    this.run.unlockCommand = 'running';
    this.commands.push({ type: 'sendUnlockCommand', dueAt });
    // A history already too long: the run continues as new first (the next one sends it again).
    if (this.run.historyLong) {
      this.run.unlockCommand = 'stopping';
      this.commands.push({ type: 'stopUnlockCommand' });
    }
  }

  /**
   * DEACTIVATING: waits for the device's check-in answered UNLOCK, or a bounded time. An override does not wait
   * (the new lock answers its check-ins from now on); an operator's cancel after the term's end stops the wait.
   */
  private awaitConfirmation(): void {
    const { lock } = this;
    const ending = lock.ending!;
    if (ending.kind === 'CANCEL' && ending.override && lock.unlockAccepted) return this.recordFinalStatus();
    this.enterWait({ name: 'awaitingConfirmation', until: lock.nextDueAt });
  }

  /**
   * DEACTIVATED (the term ran out), CANCELLED, or FAILED: the gateway refused the LOCK, or refused the UNLOCK and
   * the device has not checked in since (then it may still be locked, and the inventory keeps it LOCKED to say so).
   */
  private recordFinalStatus(): void {
    const { lock } = this;
    const ending = lock.ending!;
    const unlockUnconfirmed = lock.unlockRefusal !== null && lock.unlockConfirmedAt === null;
    const failed = ending.kind === 'LOCK_REFUSED' || unlockUnconfirmed;
    const status = failed ? 'FAILED' : ending.kind === 'TERM' ? 'DEACTIVATED' : 'CANCELLED';
    const milestone = failed ? 'TEMP_LOCK_FAILED' : ending.kind === 'TERM' ? 'TEMP_LOCK_DEACTIVATED' : 'TEMP_LOCK_CANCELLED';
    // A LOCK the gateway refused after a check-in was answered LOCK: the device may have locked itself, and the
    // refused UNLOCK is what the status must say.
    const toldLockThenRefused = unlockUnconfirmed && ending.kind === 'LOCK_REFUSED' && lock.deviceToldLock === true;
    const stillLocked = unlockUnconfirmed && lock.lockedInInventory;
    const notes = [
      lock.inventoryNote,
      stillLocked
        ? 'the device may still be locked: the gateway refused UNLOCK and the device has not checked in since, so the inventory keeps it LOCKED; unlock it in the device-control service'
        : toldLockThenRefused
          ? 'the device may be locked: a check-in was told LOCK before the gateway refused LOCK, and the gateway refused UNLOCK too; check the device in the device-control service'
          : null,
      lock.unlockRefusal !== null && !unlockUnconfirmed
        ? `the gateway refused UNLOCK (${lock.unlockRefusal}); the device was told UNLOCK at its check-in`
        : null,
      ending.kind === 'TERM' && lock.unlockConfirmedAt === null && lock.unlockRefusal === null
        ? 'the device did not check in after the unlock command'
        : null,
      ending.kind === 'TERM' && lock.cancel ? `${lock.cancel.reason} after the lock's end: it had run its term` : null,
    ].filter((n) => n !== null);
    lock.nextDueAt = null;
    lock.endReason = toldLockThenRefused
      ? `${ending.reason}; ${lock.unlockRefusal}`
      : unlockUnconfirmed && ending.kind !== 'LOCK_REFUSED'
        ? lock.unlockRefusal
        : ending.kind === 'TERM'
          ? null
          : ending.reason;
    const wasLocked = lock.lockedInInventory && !stillLocked;
    lock.lockedInInventory = stillLocked;
    this.record({
      status,
      nextProcessTime: null,
      endReason: lock.endReason,
      note: notes.length > 0 ? notes.join('; ') : null,
      inventory: { kind: 'RESUME', wasLocked, milestone, ...(lock.endReason !== null ? { reason: lock.endReason } : {}) },
    });
    this.run.step = { name: 'closing' };
  }

  // ── Moving on ─────────────────────────────────────────────────────────────────────────────────────────────────

  /** Takes every step whose wait is over, until one waits. */
  advance(): void {
    for (let moved = true; moved;) moved = this.step();
  }

  /** The current step, if what it waits for has come: true when it moved on. */
  private step(): boolean {
    const { lock, run } = this;
    const { step } = run;
    switch (step.name) {
      case 'starting':
      case 'askingCalendar':
      case 'over':
        return false;
      case 'waitingForWorkingTime': {
        const over = this.waitOver(() => lock.ending !== null);
        if (over === null) return false;
        if (over === 'deadline') this.checkWorkingTime();
        else this.afterWorkingTime();
        return true;
      }
      case 'storingActivating':
        if (run.writtenSeq < step.seq) return false;
        this.activate();
        return true;
      case 'awaitingCheckIn': {
        if (this.waitOver(() => lock.checkedInAt !== null || lock.ending !== null) === null) return false;
        if (lock.ending !== null) this.end();
        else this.activated();
        return true;
      }
      case 'holding':
        if (this.waitOver(() => lock.ending !== null) === null) return false;
        lock.ending ??= { kind: 'TERM' };
        this.end();
        return true;
      // Every write landed also brought the inventory LOCK's outcome: whether the device locked is known before the
      // UNLOCK, and before the final status undoes it.
      case 'stoppingLockCommand':
        if (run.writtenSeq < lock.seq || run.lockCommand === 'stopping') return false;
        this.unlock();
        return true;
      case 'unlocking':
        if (!run.draining) return false;
        this.drain();
        return run.step.name === 'over';
      case 'awaitingConfirmation': {
        const ending = lock.ending!;
        const over = this.waitOver(() => lock.unlockConfirmedAt !== null || (ending.kind === 'TERM' && lock.cancel !== null));
        if (over === null) return false;
        this.recordFinalStatus();
        return true;
      }
      case 'closing':
        if (!this.flushed()) return false;
        run.step = { name: 'over' };
        this.commands.push({ type: 'complete', outcome: outcomeOf(this.terms, lock) });
        return true;
    }
  }

  /**
   * Enters a wait: over when its `done` holds, or at its deadline (a timer); a continue-as-new when due (the run's
   * share of check-ins, or a history Temporal finds long) unless the deadline comes first.
   */
  private enterWait(
    step: Extract<LockStep, { name: 'waitingForWorkingTime' | 'awaitingCheckIn' | 'holding' | 'awaitingConfirmation' }>,
  ): void {
    const { run } = this;
    run.step = step;
    run.dueFired = false;
    const until = 'until' in step ? step.until : null;
    if (until === null) return;
    if (until <= this.now) {
      run.dueFired = true;
      return;
    }
    this.startDueTimer(until);
  }

  private startDueTimer(until: number): void {
    const { run } = this;
    run.dueTimer = ++run.timers;
    this.commands.push({ type: 'startTimer', timer: run.dueTimer, at: until });
  }

  /** Whether the current wait is over ('done', or its 'deadline' came), or null: it waits, or drains for continue-as-new. */
  private waitOver(done: () => boolean): 'done' | 'deadline' | null {
    const { run } = this;
    if (run.dueFired) {
      this.stopDraining();
      return 'deadline';
    }
    if (run.draining) {
      this.drain();
      return null;
    }
    if (done()) {
      this.cancelDueTimer();
      return 'done';
    }
    if (run.checkInsThisRun >= (this.terms.checkInsPerRun ?? CHECK_INS_PER_RUN) || run.historyLong) {
      run.draining = true;
      // The wait's timer gives way to the drain's, to the same deadline.
      this.cancelDueTimer();
      this.stopLockCommand();
      const { step } = run;
      const until = 'until' in step ? step.until : null;
      if (until !== null && until <= this.now) {
        this.stopDraining();
        return 'deadline';
      }
      if (until !== null) this.startDueTimer(until);
      this.drain();
    }
    return null;
  }

  /** Continue-as-new, once the LOCK command is abandoned for certain and every write has landed. */
  private drain(): void {
    const { run } = this;
    this.stopLockCommand();
    if (run.lockCommand === 'stopping' || run.inventoryLockSeq !== null || !this.flushed()) return;
    this.cancelDueTimer();
    run.step = { name: 'over' };
    this.commands.push({ type: 'continueAsNew' });
  }

  /**
   * A deadline came before the run could continue as new: the due step goes first (the next wait drains again).
   * A flush timer under way fires unheeded.
   */
  private stopDraining(): void {
    const { run } = this;
    run.draining = false;
    run.flush = null;
  }

  /** Every transition written, in a workflow task that has completed (a 1 ms timer after the last write landed). */
  private flushed(): boolean {
    const { run, lock } = this;
    if (run.flush !== null && run.flush.fired && run.flush.seq !== lock.seq) run.flush = null;
    if (run.writtenSeq < lock.seq) return false;
    if (run.flush === null) {
      run.flush = { timer: ++run.timers, seq: lock.seq, fired: false };
      this.commands.push({ type: 'startTimer', timer: run.flush.timer, at: this.now + 1 });
      return false;
    }
    return run.flush.fired;
  }

  private cancelDueTimer(): void {
    const { run } = this;
    if (run.dueTimer !== null) this.commands.push({ type: 'cancelTimer', timer: run.dueTimer });
    run.dueTimer = null;
  }

  /** Sends the LOCK command unless the gateway took it already, this run sent it, or the lock is ending. */
  private startLockCommand(): void {
    const { lock, run } = this;
    if (lock.lockCommandAccepted || run.lockCommand !== 'none' || lock.ending !== null) return;
    run.lockCommand = 'running';
    this.commands.push({ type: 'sendLockCommand' });
  }

  private stopLockCommand(): void {
    const { run } = this;
    if (run.lockCommand === 'running') {
      run.lockCommand = 'stopping';
      this.commands.push({ type: 'stopLockCommand' });
    } else if (run.lockCommand === 'settled') run.lockCommand = 'none';
  }

  /** A transition with the next seq: the lock's status changes here and only here. Returns its seq. */
  private record(change: Omit<TransitionChange, 'seq'>): number {
    const { lock } = this;
    lock.status = change.status;
    lock.seq++;
    this.commands.push({ type: 'recordTransition', change: { ...change, seq: lock.seq } });
    return lock.seq;
  }

  private get terms(): LockTerms {
    return this.state.terms;
  }
}

/** What the API reads of a running lock (its query): the state, and the directive a check-in now would get. */
export function viewOf(terms: LockTerms, lock: TempLockState, now: number): TempLockView {
  return {
    actionId: terms.actionId,
    status: lock.status,
    ...answerCheckIn(
      { status: lock.status, durationMs: terms.durationMs, lockEndsAt: lock.lockEndsAt },
      { checkedInAt: now, lockStartsAt: now },
    ),
    nextDueAt: lock.nextDueAt,
    checkedInAt: lock.checkedInAt,
    lockStartedAt: lock.lockStartedAt,
    lockEndsAt: lock.lockEndsAt,
    checkIns: lock.checkIns,
    cancelRequested: lock.cancel !== null,
  };
}

function outcomeOf(terms: LockTerms, lock: TempLockState): TempLockOutcome {
  const status = lock.status === 'CANCELLED' || lock.status === 'FAILED' ? lock.status : 'DEACTIVATED';
  return { actionId: terms.actionId, status, lockStartedAt: lock.lockStartedAt, lockEndsAt: lock.lockEndsAt, endReason: lock.endReason };
}
