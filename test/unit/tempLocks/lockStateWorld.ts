// A pure world around the lock's reducer (src/tempLocks/lockState.ts), in place of Temporal, the store, the
// gateway and the device: it runs the reducer's commands as the workflow does (writes land in order, timers fire
// in time order, the gateway answers each command, continue-as-new starts the next run from the lock's state),
// lets a seeded random schedule choose what happens next, and logs what the device was told, so the tests can
// check the invariants of a lock's end (SPEC §9) after each run. No I/O, no clock: thousands of runs a second.
import { answerCheckIn, type Directive, type TempLockStatus } from '../../../src/tempLocks/lock';
import {
  reduceLock,
  startLockState,
  type LockCommand,
  type LockEventBody,
  type LockState,
  type LockTerms,
  type TransitionChange,
} from '../../../src/tempLocks/lockState';
import type { TempLockOutcome } from '../../../src/tempLocks/contract';
import { Random } from '../../workflows/lockSimulation/random';

export const ACTION_ID = 'lock-1';

export function lockTerms(overrides: Partial<LockTerms> = {}): LockTerms {
  return {
    actionId: ACTION_ID,
    durationMs: 60_000,
    durationMinutes: 1,
    workingHours: false,
    deactivationWaitMs: 10_000,
    unlockLeadMs: 2_000,
    checkInsPerRun: 1000,
    ...overrides,
  };
}

/** Something the device or the gateway was told, or did, at a time: the log the invariants read. */
export type Told =
  | { at: number; by: 'check-in'; directive: Directive }
  | { at: number; by: 'gateway'; directive: 'LOCK' | 'UNLOCK' }
  | { at: number; by: 'unlock sent'; dueAt: number | null };

export class LockStateWorld {
  state: LockState;
  now = 1_000_000;
  /** Transitions recorded, not yet written (in order). */
  readonly unwritten: TransitionChange[] = [];
  /** The lock's stored document as the API reads it: its last written transition. */
  stored: { status: TempLockStatus; lockEndsAt: number | null } | null = null;
  readonly statuses: TempLockStatus[] = [];
  lockCommand: 'none' | 'running' | 'stopping' = 'none';
  unlockCommand: 'none' | 'running' | 'stopping' = 'none';
  calendarAsked = false;
  readonly timers = new Map<number, number>();
  readonly told: Told[] = [];
  /** The reducer's commands, in order, with the time they were given. */
  readonly commands: (LockCommand & { givenAt: number })[] = [];
  /** Everything the world found wrong while running the commands (they must never be given in that order). */
  readonly violations: string[] = [];
  outcome: TempLockOutcome | null = null;
  runs = 1;
  /** The tenant's calendar: working time from this instant on (0: always). */
  workingFrom = 0;
  /** Whether the inventory takes the LOCK (a RELEASED device refuses it). */
  inventoryLocks = true;

  constructor(readonly terms: LockTerms) {
    this.state = startLockState(terms);
    this.feed({ type: 'runStarted', resumed: false });
  }

  /** Feeds the reducer one event at the world's time, and runs its commands. */
  feed(event: LockEventBody): void {
    const { state, commands } = reduceLock(this.state, { ...event, now: this.now } as Parameters<typeof reduceLock>[1]);
    this.state = state;
    for (const command of commands) this.run(command);
  }

  private run(command: LockCommand): void {
    this.commands.push({ ...command, givenAt: this.now });
    switch (command.type) {
      case 'recordTransition':
        if (command.change.status !== this.state.lock.status && command.change.seq === this.state.lock.seq) {
          this.violations.push(`seq ${command.change.seq} recorded ${command.change.status}, the lock says ${this.state.lock.status}`);
        }
        this.unwritten.push(command.change);
        return;
      case 'askCalendar':
        this.calendarAsked = true;
        return;
      case 'startTimer':
        if (command.at <= this.now) this.violations.push(`timer ${command.timer} started for ${command.at}, not after now (${this.now})`);
        this.timers.set(command.timer, command.at);
        return;
      case 'cancelTimer':
        this.timers.delete(command.timer);
        return;
      case 'sendLockCommand':
        if (this.told.some((t) => t.by === 'unlock sent')) this.violations.push(`LOCK sent at ${this.now} after the UNLOCK`);
        if (this.lockCommand !== 'none') this.violations.push(`LOCK sent at ${this.now} with one in flight`);
        this.lockCommand = 'running';
        return;
      case 'stopLockCommand':
        if (this.lockCommand === 'running') this.lockCommand = 'stopping';
        return;
      case 'sendUnlockCommand':
        if (this.lockCommand !== 'none') this.violations.push(`UNLOCK sent at ${this.now} with the LOCK command ${this.lockCommand}`);
        if (this.unwritten.length > 0)
          this.violations.push(`UNLOCK sent at ${this.now} before ${this.unwritten.map((t) => t.status)} was stored`);
        this.unlockCommand = 'running';
        this.told.push({ at: this.now, by: 'unlock sent', dueAt: command.dueAt });
        return;
      case 'stopUnlockCommand':
        if (this.unlockCommand === 'running') this.unlockCommand = 'stopping';
        return;
      case 'continueAsNew':
        return this.continueAsNew();
      case 'complete':
        this.outcome = command.outcome;
        return;
    }
  }

  /** The next run starts from the lock's state; this run's timers and commands are gone with it. */
  private continueAsNew(): void {
    if (this.lockCommand !== 'none' || this.unlockCommand !== 'none') {
      this.violations.push(`continued as new with LOCK ${this.lockCommand}, UNLOCK ${this.unlockCommand}`);
    }
    if (this.unwritten.length > 0) this.violations.push(`continued as new before ${this.unwritten.length} transitions were written`);
    this.runs++;
    this.timers.clear();
    this.calendarAsked = false;
    this.state = startLockState(this.terms, structuredClone(this.state.lock));
    this.feed({ type: 'runStarted', resumed: true });
  }

  get over(): boolean {
    return this.outcome !== null;
  }

  // ── What can happen next ──────────────────────────────────────────────────────────────────────────────────────

  /** The first `count` unwritten transitions land (with the inventory LOCK's outcome if one was among them). */
  writeLands(count = this.unwritten.length): void {
    const landed = this.unwritten.splice(0, Math.max(1, Math.min(count, this.unwritten.length)));
    if (landed.length === 0) return;
    for (const t of landed) {
      this.stored = { status: t.status, lockEndsAt: t.lockEndsAt !== undefined ? t.lockEndsAt : (this.stored?.lockEndsAt ?? null) };
      this.statuses.push(t.status);
    }
    const locks = landed.some((t) => t.inventory?.kind === 'LOCK');
    this.feed({
      type: 'transitionsWritten',
      throughSeq: landed[landed.length - 1]!.seq,
      inventoryLock: locks ? { locked: this.inventoryLocks, note: this.inventoryLocks ? null : 'RELEASED refuses LOCK' } : null,
    });
  }

  /** The earliest timer fires; the clock moves to it. */
  timerFires(): void {
    const next = [...this.timers].sort((a, b) => a[1] - b[1] || a[0] - b[0])[0];
    if (!next) return;
    this.timers.delete(next[0]);
    this.now = Math.max(this.now, next[1]);
    this.feed({ type: 'timerFired', timer: next[0] });
  }

  passes(ms: number): void {
    const firstTimer = Math.min(...this.timers.values());
    // Time never passes a timer that has not fired.
    this.now = Math.min(this.now + ms, Number.isFinite(firstTimer) ? firstTimer : Infinity);
  }

  calendarAnswers(never = false): void {
    if (!this.calendarAsked) return;
    this.calendarAsked = false;
    this.feed({ type: 'calendarAnswered', at: this.now, next: never ? null : Math.max(this.now, this.workingFrom) });
  }

  lockAnswers(answer: 'accepted' | 'refused' | 'abandoned'): void {
    if (this.lockCommand === 'none') return;
    if (answer === 'abandoned' && this.lockCommand !== 'stopping') answer = 'accepted';
    this.lockCommand = 'none';
    if (answer === 'accepted') this.told.push({ at: this.now, by: 'gateway', directive: 'LOCK' });
    this.feed({
      type: 'lockCommandSettled',
      answer:
        answer === 'accepted'
          ? { kind: 'accepted', acceptedAt: this.now }
          : answer === 'refused'
            ? { kind: 'refused', reason: 'gateway refused LOCK: 404 unknown device' }
            : { kind: 'abandoned' },
    });
  }

  unlockAnswers(answer: 'accepted' | 'refused' | 'abandoned'): void {
    if (this.unlockCommand === 'none') return;
    if (answer === 'abandoned' && this.unlockCommand !== 'stopping') answer = 'accepted';
    const sent = this.told.filter((t) => t.by === 'unlock sent').at(-1);
    // The UNLOCK waits in the worker for its due time.
    if (answer === 'accepted' && sent?.by === 'unlock sent' && sent.dueAt !== null) this.now = Math.max(this.now, sent.dueAt);
    this.unlockCommand = 'none';
    if (answer === 'accepted') this.told.push({ at: this.now, by: 'gateway', directive: 'UNLOCK' });
    this.feed({
      type: 'unlockCommandSettled',
      answer:
        answer === 'accepted'
          ? { kind: 'accepted', acceptedAt: this.now }
          : answer === 'refused'
            ? { kind: 'refused', reason: 'gateway refused UNLOCK: 404 unknown device' }
            : { kind: 'abandoned' },
    });
  }

  /** The device checks in: the API answers from the stored lock and signals the answer (`actionId`: whose lock it answered for). */
  checksIn(checkInId: string, actionId = ACTION_ID): void {
    const lockStartsAt = Math.max(this.now, this.workingFrom);
    const lock = this.stored && { status: this.stored.status, durationMs: this.terms.durationMs, lockEndsAt: this.stored.lockEndsAt };
    const { directive } = answerCheckIn(lock, { checkedInAt: this.now, lockStartsAt });
    if (actionId === ACTION_ID) this.told.push({ at: this.now, by: 'check-in', directive });
    this.feed({ type: 'checkIn', checkIn: { checkInId, checkedInAt: this.now, lockStartsAt, answer: { actionId, directive } } });
  }

  cancels(override = false, actionId = ACTION_ID): void {
    this.feed({ type: 'cancelRequested', request: { reason: 'cancelled by operator-1', requestedBy: 'operator-1', actionId, override } });
  }

  /** Only what is in flight completes (no new check-ins or cancels): a lock left alone must reach its end. */
  settleOnce(random: Random): boolean {
    if (this.unwritten.length > 0) this.writeLands();
    else if (this.calendarAsked) this.calendarAnswers();
    else if (this.lockCommand !== 'none') this.lockAnswers(random.chance(0.8) ? 'abandoned' : 'refused');
    else if (this.unlockCommand !== 'none') this.unlockAnswers(random.chance(0.9) ? 'accepted' : 'refused');
    else if (this.timers.size > 0) this.timerFires();
    else return false;
    return true;
  }
}

/** One random step of the world: what the schedule draws, from what can happen now. */
function randomStep(world: LockStateWorld, random: Random, checkInIds: { next: number }): void {
  const choice = random.weighted({
    write: world.unwritten.length > 0 ? 6 : 0,
    writeSome: world.unwritten.length > 1 ? 2 : 0,
    timer: world.timers.size > 0 ? 4 : 0,
    time: 3,
    calendar: world.calendarAsked ? 4 : 0,
    calendarNever: world.calendarAsked ? 0.2 : 0,
    calendarChanges: world.terms.workingHours ? 0.3 : 0,
    lockAccepted: world.lockCommand !== 'none' ? 3 : 0,
    lockRefused: world.lockCommand !== 'none' ? 1 : 0,
    lockAbandoned: world.lockCommand === 'stopping' ? 3 : 0,
    unlockAccepted: world.unlockCommand !== 'none' ? 3 : 0,
    unlockRefused: world.unlockCommand !== 'none' ? 1 : 0,
    unlockAbandoned: world.unlockCommand === 'stopping' ? 3 : 0,
    checkIn: 4,
    repeatedCheckIn: checkInIds.next > 0 ? 1 : 0,
    otherLockCheckIn: 0.3,
    cancel: 0.4,
    override: 0.2,
    otherLockCancel: 0.2,
    temporalCancel: 0.05,
    historyLong: 0.1,
  });
  switch (choice) {
    case 'write':
      return world.writeLands(1);
    case 'writeSome':
      return world.writeLands(random.int(2, world.unwritten.length));
    case 'timer':
      return world.timerFires();
    case 'time':
      return world.passes(random.pick([1, 50, 500, 3_000, 20_000]));
    case 'calendar':
    case 'calendarNever':
      return world.calendarAnswers(choice === 'calendarNever');
    case 'lockAccepted':
    case 'lockRefused':
    case 'lockAbandoned':
      return world.lockAnswers(choice === 'lockAccepted' ? 'accepted' : choice === 'lockRefused' ? 'refused' : 'abandoned');
    case 'unlockAccepted':
    case 'unlockRefused':
    case 'unlockAbandoned':
      return world.unlockAnswers(choice === 'unlockAccepted' ? 'accepted' : choice === 'unlockRefused' ? 'refused' : 'abandoned');
    case 'checkIn':
      return world.checksIn(`check-in-${++checkInIds.next}`);
    case 'repeatedCheckIn':
      return world.checksIn(`check-in-${checkInIds.next}`);
    case 'otherLockCheckIn':
      return world.checksIn(`check-in-${++checkInIds.next}`, 'an-older-lock');
    case 'cancel':
    case 'override':
      return world.cancels(choice === 'override');
    case 'otherLockCancel':
      return world.cancels(false, 'an-older-lock');
    case 'calendarChanges':
      // Working time moves (a holiday removed or added): the lock is told, and asks again.
      world.workingFrom = world.now + random.int(0, 3) * 10_000;
      return world.feed({ type: 'calendarChanged' });
    case 'temporalCancel':
      return world.feed({ type: 'cancelledThroughTemporal' });
    case 'historyLong':
      return world.feed({ type: 'historyGrewLong' });
  }
}

/** A lock's schedule drawn from `seed`: its terms and calendar, then random steps, then only what is in flight until it ends. */
export function runSeed(seed: number, onState: (world: LockStateWorld) => void = () => undefined): LockStateWorld {
  const random = new Random(seed);
  const terms = lockTerms({
    durationMs: random.pick([4, 60, 3_600]) * 1_000,
    workingHours: random.chance(0.3),
    deactivationWaitMs: random.pick([500, 10_000]),
    unlockLeadMs: random.int(0, 4_000),
    checkInsPerRun: random.chance(0.3) ? random.int(2, 6) : 1000,
  });
  const world = new LockStateWorld(terms);
  if (terms.workingHours) world.workingFrom = world.now + random.int(0, 3) * 10_000;
  world.inventoryLocks = random.chance(0.9);
  const checkInIds = { next: 0 };
  const steps = random.int(0, 60);
  for (let i = 0; i < steps && !world.over; i++) {
    randomStep(world, random, checkInIds);
    onState(world);
  }
  for (let i = 0; i < 1_000 && !world.over; i++) {
    // The device keeps checking in now and then, as one does.
    if (random.chance(0.2) || !world.settleOnce(random)) world.checksIn(`check-in-${++checkInIds.next}`);
    onState(world);
  }
  return world;
}

/** The statuses a stored lock may go to from each. */
export const NEXT_STATUSES: Record<TempLockStatus, TempLockStatus[]> = {
  WAITING: ['WAITING', 'ACTIVATING', 'CANCELLED'],
  ACTIVATING: ['ACTIVATED', 'DEACTIVATING'],
  ACTIVATED: ['DEACTIVATING'],
  DEACTIVATING: ['DEACTIVATING', 'DEACTIVATED', 'CANCELLED', 'FAILED'],
  DEACTIVATED: [],
  CANCELLED: [],
  FAILED: [],
};

/** What is wrong with a lock's run to its end, as SPEC §9 "A lock's end" promises it. */
export function violationsOf(world: LockStateWorld): string[] {
  const found = [...world.violations];
  if (!world.over) return [...found, `never ended: stuck in ${world.state.lock.status}/${world.state.run.step.name}`];
  const { lock } = world.state;
  const outcome = world.outcome!;
  if (outcome.status !== lock.status || world.statuses.at(-1) !== lock.status) {
    found.push(`outcome ${outcome.status}, state ${lock.status}, stored ${world.statuses.at(-1)}`);
  }
  // 1: never LOCK after UNLOCK — no check-in answered LOCK once an UNLOCK may have reached the device.
  world.told.forEach((told, i) => {
    if (told.by !== 'check-in' || told.directive !== 'LOCK') return;
    const unlock = world.told.slice(0, i).find((t) => t.by === 'unlock sent' && (t.dueAt ?? t.at) <= told.at);
    if (unlock) found.push(`check-in at ${told.at} answered LOCK after the UNLOCK sent at ${unlock.at}`);
  });
  // 2: the device ends unlocked — the last thing it was told is UNLOCK, or it was never told LOCK, or the lock
  // FAILED because the gateway refused its UNLOCK (the status says the device may still be locked).
  const lastTold = world.told.filter((t) => t.by !== 'unlock sent' && t.directive !== 'NONE').at(-1);
  const unlockRefused = outcome.status === 'FAILED' && /refused UNLOCK/.test(outcome.endReason ?? '');
  if (lastTold && lastTold.by !== 'unlock sent' && lastTold.directive === 'LOCK' && !unlockRefused) {
    found.push(`ended ${outcome.status} with the device last told LOCK (${lastTold.by} at ${lastTold.at})`);
  }
  // 3: the final status says why: DEACTIVATED at the term's end, CANCELLED on a cancel, FAILED on a refusal.
  const ending = lock.ending!;
  const why = {
    DEACTIVATED: ending.kind === 'TERM',
    CANCELLED: ending.kind === 'CANCEL',
    FAILED: ending.kind === 'LOCK_REFUSED' || lock.unlockRefusal !== null,
  };
  if (!why[outcome.status]) found.push(`ended ${outcome.status} for ending ${ending.kind} (UNLOCK refused: ${lock.unlockRefusal})`);
  // 4: the inventory keeps the device LOCKED only when the lock FAILED saying it may still be locked.
  if (lock.lockedInInventory && outcome.status !== 'FAILED') found.push(`ended ${outcome.status} with the device LOCKED in the inventory`);
  // 5: stored statuses follow the lifecycle.
  for (let i = 1; i < world.statuses.length; i++) {
    const [from, to] = [world.statuses[i - 1]!, world.statuses[i]!];
    if (!NEXT_STATUSES[from].includes(to)) found.push(`stored ${from} then ${to}`);
  }
  return found;
}
