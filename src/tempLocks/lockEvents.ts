// What each event changes in a temp lock (the reducer's intake): a check-in, a cancel, the calendar's, the gateway's
// and the store's answers, a timer. Each leads on to the lock's story (lockStory.ts), which takes every step whose
// wait is over once the event is in.
import { REPEATED_CHECK_IN_WINDOW_MS, answerCheckIn } from './lock';
import type { CancelRequest, CheckIn } from './contract';
import type { CommandAnswer, LockEvent } from './lockState';
import { LockStory } from './lockStory';
import type { InventoryLockResult } from './store';

const RECENT_CHECK_INS_KEPT = 16;
const NO_WORKING_TIME = 'the working-hours calendar has no working time within the search horizon';

/** One reduction: takes one event into a copy of the state, then walks the story on (advance). */
export class LockReduction extends LockStory {
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
}
