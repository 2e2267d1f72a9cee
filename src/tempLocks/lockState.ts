// The temp lock's state as a pure reducer: reduceLock(state, event) → { state, commands }. The one place a lock's
// state changes: the TempLock workflow (tempLockWorkflow.ts) feeds it what happened — the device's check-ins,
// cancels, the gateway's and the store's answers, its timers — and runs the commands it returns (status writes,
// LOCK and UNLOCK, timers, continue-as-new, the end). Pure and deterministic: no I/O and no clock (each event
// carries the workflow's time), so unit tests walk it over every status and event, and it is workflow-safe.
// This module holds what the reducer takes and gives (state, events, commands); lockEvents.ts what each event
// changes, lockStory.ts the lock's steps and waits that follow.
import { answerCheckIn, type TempLockStatus } from './lock';
import { LockReduction } from './lockEvents';
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
export type LockStep =
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
export interface LockRunProgress {
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
  const reduction = new LockReduction(state, event.now);
  reduction.take(event);
  reduction.advance();
  return { state: reduction.state, commands: reduction.commands };
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
