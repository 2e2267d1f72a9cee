// The temp lock's story (SPEC §5's steps) as the reducer walks it: where each step leads, the waits between steps
// (a deadline, a continue-as-new under way) and the commands that go with them. Events enter through
// LockReduction (lockEvents.ts), which extends this; lockState.ts says what the state, the events and the commands are.
import { CHECK_INS_PER_RUN } from './lock';
import type { TempLockOutcome } from './contract';
import type { LockCommand, LockState, LockRunProgress, LockStep, LockTerms, TempLockState, TransitionChange } from './lockState';

/** One reduction's state (a copy of the one it was given) and the commands it made; the story's steps and waits. */
export abstract class LockStory {
  readonly state: LockState;
  readonly commands: LockCommand[] = [];

  constructor(
    previous: LockState,
    protected readonly now: number,
  ) {
    // Nested records are replaced, never changed in place: a shallow copy of each level keeps `previous` intact.
    this.state = { terms: previous.terms, lock: { ...previous.lock }, run: { ...previous.run } };
  }

  protected get lock(): TempLockState {
    return this.state.lock;
  }

  protected get run(): LockRunProgress {
    return this.state.run;
  }

  protected get terms(): LockTerms {
    return this.state.terms;
  }

  // ── The story's steps ─────────────────────────────────────────────────────────────────────────────────────────

  /** WAITING, working hours on: asks the calendar (again after each wait: it may have changed meanwhile). */
  protected checkWorkingTime(): void {
    if (this.terms.workingHours && this.lock.ending === null) {
      this.run.step = { name: 'askingCalendar' };
      this.commands.push({ type: 'askCalendar' });
    } else this.afterWorkingTime();
  }

  /** Working time (or cancelled while WAITING). ACTIVATING is stored before the LOCK goes out: a check-in in answer to it is told LOCK. */
  protected afterWorkingTime(): void {
    if (this.lock.ending !== null) return this.end();
    const seq = this.record({ status: 'ACTIVATING', nextProcessTime: null });
    this.run.step = { name: 'storingActivating', seq };
  }

  /** ACTIVATING: the LOCK command goes out and the device's first check-in answered LOCK activates the lock. */
  protected activate(): void {
    this.startLockCommand();
    this.enterWait({ name: 'awaitingCheckIn' });
  }

  /**
   * ACTIVATED: the lock runs from the check-in's start (the API's times) for its duration; the device goes LOCKED.
   * The inventory LOCK goes with the status write, alongside the lock's timer: a busy database delays this write,
   * never the unlock. Whether it locked is awaited before anything undoes it.
   */
  protected activated(): void {
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
  protected hold(): void {
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
  protected end(): void {
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
  protected unlock(): void {
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
  protected awaitConfirmation(): void {
    const { lock } = this;
    const ending = lock.ending!;
    if (ending.kind === 'CANCEL' && ending.override && lock.unlockAccepted) return this.recordFinalStatus();
    this.enterWait({ name: 'awaitingConfirmation', until: lock.nextDueAt });
  }

  /**
   * DEACTIVATED (the term ran out), CANCELLED, or FAILED: the gateway refused the LOCK, or refused the UNLOCK and
   * the device has not checked in since (then it may still be locked, and the inventory keeps it LOCKED to say so).
   */
  protected recordFinalStatus(): void {
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
  protected step(): boolean {
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
  protected enterWait(
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

  protected startDueTimer(until: number): void {
    const { run } = this;
    run.dueTimer = ++run.timers;
    this.commands.push({ type: 'startTimer', timer: run.dueTimer, at: until });
  }

  /** Whether the current wait is over ('done', or its 'deadline' came), or null: it waits, or drains for continue-as-new. */
  protected waitOver(done: () => boolean): 'done' | 'deadline' | null {
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
  protected drain(): void {
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
  protected stopDraining(): void {
    const { run } = this;
    run.draining = false;
    run.flush = null;
  }

  /** Every transition written, in a workflow task that has completed (a 1 ms timer after the last write landed). */
  protected flushed(): boolean {
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

  protected cancelDueTimer(): void {
    const { run } = this;
    if (run.dueTimer !== null) this.commands.push({ type: 'cancelTimer', timer: run.dueTimer });
    run.dueTimer = null;
  }

  /** Sends the LOCK command unless the gateway took it already, this run sent it, or the lock is ending. */
  protected startLockCommand(): void {
    const { lock, run } = this;
    if (lock.lockCommandAccepted || run.lockCommand !== 'none' || lock.ending !== null) return;
    run.lockCommand = 'running';
    this.commands.push({ type: 'sendLockCommand' });
  }

  protected stopLockCommand(): void {
    const { run } = this;
    if (run.lockCommand === 'running') {
      run.lockCommand = 'stopping';
      this.commands.push({ type: 'stopLockCommand' });
    } else if (run.lockCommand === 'settled') run.lockCommand = 'none';
  }

  /** A transition with the next seq: the lock's status changes here and only here. Returns its seq. */
  protected record(change: Omit<TransitionChange, 'seq'>): number {
    const { lock } = this;
    lock.status = change.status;
    lock.seq++;
    this.commands.push({ type: 'recordTransition', change: { ...change, seq: lock.seq } });
    return lock.seq;
  }
}

function outcomeOf(terms: LockTerms, lock: TempLockState): TempLockOutcome {
  const status = lock.status === 'CANCELLED' || lock.status === 'FAILED' ? lock.status : 'DEACTIVATED';
  return { actionId: terms.actionId, status, lockStartedAt: lock.lockStartedAt, lockEndsAt: lock.lockEndsAt, endReason: lock.endReason };
}
