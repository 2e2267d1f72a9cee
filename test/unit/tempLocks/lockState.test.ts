// The lock's reducer (src/tempLocks/lockState.ts) without Temporal: its story step by step, every status × event
// with the invariants each reduction keeps, and seeded random schedules with the invariants of a lock's end
// (SPEC §9) checked after each. A failing seed prints itself; DO_LOCK_STATE_SEED=<n> runs that one alone.
import { FINAL_TEMP_LOCK_STATUSES } from '../../../src/tempLocks/lock';
import { reduceLock, type LockCommand, type LockEvent, type LockState } from '../../../src/tempLocks/lockState';
import { Random } from '../../workflows/lockSimulation/random';
import { ACTION_ID, LockStateWorld, NEXT_STATUSES, lockTerms, runSeed, violationsOf } from './lockStateWorld';

const kinds = (commands: LockCommand[]) => commands.map((c) => (c.type === 'recordTransition' ? `record ${c.change.status}` : c.type));

describe('lock reducer: the story', () => {
  it('runs the lifecycle: ACTIVATING stored before the LOCK, activation at the check-in, UNLOCK at the end, DEACTIVATED', () => {
    const world = new LockStateWorld(lockTerms());
    expect(kinds(world.commands)).toEqual(['record WAITING', 'record ACTIVATING']);
    world.writeLands();
    expect(kinds(world.commands).slice(2)).toEqual(['sendLockCommand']);
    world.lockAnswers('accepted');
    world.checksIn('check-in-1');
    expect(world.state.lock).toMatchObject({ status: 'ACTIVATED', checkedInAt: world.now, lockEndsAt: world.now + 60_000 });
    const activatedAt = world.now;
    expect(kinds(world.commands).slice(3)).toEqual(['record ACTIVATED', 'startTimer']);
    // The timer fires the unlock lead early; the UNLOCK is due at the lock's end.
    world.writeLands();
    world.timerFires();
    expect(world.now).toBe(activatedAt + 60_000 - 2_000);
    expect(world.commands.at(-1)).toMatchObject({ type: 'sendUnlockCommand', dueAt: activatedAt + 60_000 });
    world.unlockAnswers('accepted');
    world.checksIn('check-in-2');
    world.writeLands();
    while (!world.over && world.timers.size > 0) world.timerFires();
    expect(world.outcome).toMatchObject({ status: 'DEACTIVATED', endReason: null, lockEndsAt: activatedAt + 60_000 });
    expect(world.statuses).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
  });

  it('waits for working time on a timer, asking the calendar again when it fires', () => {
    const world = new LockStateWorld(lockTerms({ workingHours: true }));
    world.workingFrom = world.now + 30_000;
    expect(kinds(world.commands)).toEqual(['record WAITING', 'askCalendar']);
    world.calendarAnswers();
    expect(world.commands.at(-1)).toMatchObject({ type: 'startTimer', at: world.workingFrom });
    expect(world.state.lock.nextDueAt).toBe(world.workingFrom);
    world.timerFires();
    expect(world.commands.at(-1)?.type).toBe('askCalendar');
    world.calendarAnswers();
    expect(world.commands.at(-1)).toMatchObject({ type: 'recordTransition', change: { status: 'ACTIVATING', nextProcessTime: null } });
  });

  it('asks the calendar again at once when the working hours change (a holiday removed opens them sooner)', () => {
    const world = new LockStateWorld(lockTerms({ workingHours: true }));
    world.workingFrom = world.now + 3 * 86_400_000;
    world.calendarAnswers();
    const waitTimer = world.state.run.dueTimer;
    expect(world.commands.at(-1)).toMatchObject({ type: 'startTimer', at: world.workingFrom });
    world.workingFrom = world.now;
    world.feed({ type: 'calendarChanged' });
    expect(kinds(world.commands).slice(-2)).toEqual(['cancelTimer', 'askCalendar']);
    expect(world.commands.at(-2)).toMatchObject({ type: 'cancelTimer', timer: waitTimer });
    world.calendarAnswers();
    expect(world.commands.at(-1)).toMatchObject({ type: 'recordTransition', change: { status: 'ACTIVATING', nextProcessTime: null } });
  });

  it('a calendar change while the calendar is being asked asks again once it answers (the answer may be stale)', () => {
    const world = new LockStateWorld(lockTerms({ workingHours: true }));
    world.workingFrom = world.now + 86_400_000;
    expect(world.commands.at(-1)?.type).toBe('askCalendar');
    const asked = world.commands.length;
    world.feed({ type: 'calendarChanged' });
    expect(world.commands.length).toBe(asked);
    world.calendarAnswers();
    expect(kinds(world.commands).slice(asked)).toEqual(['askCalendar']);
    world.workingFrom = world.now;
    world.calendarAnswers();
    expect(world.commands.at(-1)).toMatchObject({ type: 'recordTransition', change: { status: 'ACTIVATING' } });
  });

  it('a calendar change reaches only a lock waiting for working time', () => {
    const world = new LockStateWorld(lockTerms());
    world.writeLands();
    const before = world.commands.length;
    world.feed({ type: 'calendarChanged' });
    expect(world.commands.length).toBe(before);
    expect(world.state.lock.status).toBe('ACTIVATING');
  });

  it('a calendar without working time ends the lock CANCELLED, nothing sent', () => {
    const world = new LockStateWorld(lockTerms({ workingHours: true }));
    world.calendarAnswers(true);
    world.writeLands();
    world.timerFires();
    expect(world.outcome).toMatchObject({ status: 'CANCELLED', endReason: expect.stringMatching(/no working time/) });
    expect(kinds(world.commands)).not.toContain('sendLockCommand');
  });

  it('a cancel while the LOCK is in flight stores DEACTIVATING, abandons the LOCK for certain, then sends UNLOCK', () => {
    const world = new LockStateWorld(lockTerms());
    world.writeLands();
    world.cancels();
    expect(kinds(world.commands).slice(-2)).toEqual(['record DEACTIVATING', 'stopLockCommand']);
    world.writeLands();
    expect(kinds(world.commands).at(-1)).toBe('stopLockCommand');
    world.lockAnswers('abandoned');
    expect(world.commands.at(-1)).toMatchObject({ type: 'sendUnlockCommand', dueAt: null });
  });

  it('an override ends once the gateway took its UNLOCK, without waiting for the device', () => {
    const world = new LockStateWorld(lockTerms());
    world.writeLands();
    world.lockAnswers('accepted');
    world.cancels(true);
    world.writeLands();
    world.unlockAnswers('accepted');
    world.writeLands();
    world.timerFires();
    expect(world.outcome?.status).toBe('CANCELLED');
  });

  it('a refused UNLOCK ends the lock FAILED, never the execution; CANCELLED with a note if the device was told UNLOCK', () => {
    const unconfirmed = new LockStateWorld(lockTerms());
    unconfirmed.writeLands();
    unconfirmed.lockAnswers('accepted');
    unconfirmed.cancels();
    unconfirmed.writeLands();
    unconfirmed.unlockAnswers('refused');
    while (!unconfirmed.over) unconfirmed.settleOnce(new Random(1));
    expect(unconfirmed.outcome).toMatchObject({ status: 'FAILED', endReason: expect.stringMatching(/refused UNLOCK/) });

    const confirmed = new LockStateWorld(lockTerms());
    confirmed.writeLands();
    confirmed.lockAnswers('accepted');
    confirmed.cancels();
    confirmed.writeLands();
    confirmed.passes(1_000);
    confirmed.checksIn('check-in-1');
    confirmed.unlockAnswers('refused');
    while (!confirmed.over) confirmed.settleOnce(new Random(1));
    expect(confirmed.outcome?.status).toBe('CANCELLED');
    expect(confirmed.unwritten).toEqual([]);
    const final = confirmed.commands.filter((c) => c.type === 'recordTransition').at(-1);
    expect(final).toMatchObject({ change: { note: expect.stringMatching(/told UNLOCK at its check-in/) } });
  });

  it('a LOCK refused after a check-in was told LOCK, with UNLOCK refused too, ends FAILED saying both (deviceToldLock)', () => {
    const world = new LockStateWorld(lockTerms());
    world.writeLands();
    world.checksIn('check-in-1'); // answered LOCK from the stored ACTIVATING
    world.lockAnswers('refused');
    world.writeLands();
    world.writeLands();
    world.unlockAnswers('refused');
    while (!world.over) world.settleOnce(new Random(1));
    expect(world.state.lock.deviceToldLock).toBe(true);
    expect(world.outcome).toMatchObject({ status: 'FAILED', endReason: expect.stringMatching(/refused LOCK.*; .*refused UNLOCK/) });
  });

  it('an UNLOCK answered before the gateway took a LOCK still in flight does not confirm the unlock (lockAcceptedAt)', () => {
    const world = new LockStateWorld(lockTerms({ durationMs: 4_000, unlockLeadMs: 0 }));
    world.writeLands();
    world.checksIn('check-in-1');
    world.writeLands();
    world.timerFires(); // the term ran out with the LOCK still at the gateway
    world.checksIn('check-in-2'); // answered UNLOCK: ACTIVATED past its end
    expect(world.state.lock.unlockConfirmedAt).toBe(world.now);
    world.lockAnswers('accepted'); // the LOCK lands after that answer
    expect(world.state.lock.unlockConfirmedAt).toBeNull();
    expect(world.commands.at(-1)).toMatchObject({ type: 'sendUnlockCommand' });
    world.unlockAnswers('refused');
    while (!world.over) world.settleOnce(new Random(1));
    expect(world.outcome?.status).toBe('FAILED');
  });

  it('a cancel after the term ran out ends DEACTIVATED, saying so', () => {
    const world = new LockStateWorld(lockTerms());
    world.writeLands();
    world.lockAnswers('accepted');
    world.checksIn('check-in-1');
    world.writeLands();
    world.timerFires();
    world.unlockAnswers('accepted');
    world.cancels();
    world.writeLands();
    world.timerFires();
    expect(world.outcome?.status).toBe('DEACTIVATED');
    expect(world.commands.filter((c) => c.type === 'recordTransition').at(-1)).toMatchObject({
      change: { note: expect.stringMatching(/after the lock's end: it had run its term/) },
    });
  });

  it("continues as new after its share of check-ins, once the LOCK is stopped and every write is in a task's history", () => {
    const world = new LockStateWorld(lockTerms({ checkInsPerRun: 2 }));
    world.writeLands();
    world.checksIn('check-in-1', 'an-older-lock');
    world.checksIn('check-in-2', 'an-older-lock');
    expect(kinds(world.commands).at(-1)).toBe('stopLockCommand');
    world.lockAnswers('abandoned');
    expect(kinds(world.commands).at(-1)).toBe('startTimer');
    world.timerFires();
    expect(world.runs).toBe(2);
    // The next run sends the LOCK again and waits for the check-in as before.
    expect(kinds(world.commands).at(-1)).toBe('sendLockCommand');
    expect(world.state.run.step.name).toBe('awaitingCheckIn');
  });

  it('never changes the state it is given', () => {
    const world = new LockStateWorld(lockTerms());
    world.writeLands();
    const before = JSON.stringify(world.state);
    const frozen = world.state;
    reduceLock(frozen, { type: 'checkIn', now: world.now, checkIn: checkIn(world.now, 'LOCK') });
    reduceLock(frozen, { type: 'cancelRequested', now: world.now, request: { reason: 'x', requestedBy: 'y', actionId: ACTION_ID } });
    expect(JSON.stringify(frozen)).toBe(before);
  });
});

/** States reached by the random schedules, a few per status and step: the walk's starting points. */
function reachedStates(): Map<string, LockState[]> {
  const states = new Map<string, LockState[]>();
  for (let seed = 1; seed <= 400; seed++) {
    runSeed(seed, (world) => {
      const key = `${world.state.lock.status}/${world.state.run.step.name}`;
      const list = states.get(key) ?? [];
      if (list.length < 12) states.set(key, [...list, world.state]);
    });
  }
  return states;
}

function checkIn(now: number, directive: 'LOCK' | 'UNLOCK' | 'NONE', actionId = ACTION_ID, checkInId = `walk-${now}-${directive}`) {
  return { checkInId, checkedInAt: now, lockStartsAt: now, answer: { actionId, directive } };
}

/** Every event that can come in `state` (and a few that can come to any lock: signals, a stale timer). */
function eventsFor(state: LockState, now: number): LockEvent[] {
  const { run, lock } = state;
  const events: LockEvent[] = [];
  for (const directive of ['LOCK', 'UNLOCK', 'NONE'] as const) {
    for (const at of [now, (lock.lockEndsAt ?? now) + 1]) events.push({ type: 'checkIn', now: at, checkIn: checkIn(at, directive) });
    events.push({ type: 'checkIn', now, checkIn: checkIn(now, directive, 'an-older-lock') });
  }
  for (const override of [false, true]) {
    events.push({
      type: 'cancelRequested',
      now,
      request: { reason: 'cancelled by operator-1', requestedBy: 'operator-1', actionId: ACTION_ID, override },
    });
  }
  events.push({ type: 'cancelRequested', now, request: { reason: 'older', requestedBy: 'operator-1', actionId: 'an-older-lock' } });
  events.push(
    { type: 'cancelledThroughTemporal', now },
    { type: 'historyGrewLong', now },
    { type: 'timerFired', now, timer: 999 },
    { type: 'calendarChanged', now },
  );
  if (run.step.name === 'askingCalendar') {
    for (const next of [now, now + 10_000, null]) events.push({ type: 'calendarAnswered', now, at: now, next });
  }
  if (run.dueTimer !== null) events.push({ type: 'timerFired', now: Math.max(now, lock.nextDueAt ?? now), timer: run.dueTimer });
  if (run.flush !== null) events.push({ type: 'timerFired', now: now + 1, timer: run.flush.timer });
  if (run.writtenSeq < lock.seq) {
    for (const locked of [true, false]) {
      events.push({ type: 'transitionsWritten', now, throughSeq: lock.seq, inventoryLock: { locked, note: locked ? null : 'refused' } });
    }
  }
  if (run.lockCommand === 'running' || run.lockCommand === 'stopping') {
    events.push(
      { type: 'lockCommandSettled', now, answer: { kind: 'accepted', acceptedAt: now } },
      { type: 'lockCommandSettled', now, answer: { kind: 'refused', reason: 'gateway refused LOCK: 404' } },
    );
    if (run.lockCommand === 'stopping') events.push({ type: 'lockCommandSettled', now, answer: { kind: 'abandoned' } });
  }
  if (run.unlockCommand !== 'none') {
    events.push(
      { type: 'unlockCommandSettled', now, answer: { kind: 'accepted', acceptedAt: now } },
      { type: 'unlockCommandSettled', now, answer: { kind: 'refused', reason: 'gateway refused UNLOCK: 404' } },
    );
    if (run.unlockCommand === 'stopping') events.push({ type: 'unlockCommandSettled', now, answer: { kind: 'abandoned' } });
  }
  return events;
}

describe('lock reducer: every status × event', () => {
  const states = reachedStates();

  it('reaches every status and every step of a run', () => {
    const statuses = new Set([...states.keys()].map((k) => k.split('/')[0]));
    const steps = new Set([...states.keys()].map((k) => k.split('/')[1]));
    expect([...statuses].sort()).toEqual(['ACTIVATED', 'ACTIVATING', 'CANCELLED', 'DEACTIVATED', 'DEACTIVATING', 'FAILED', 'WAITING']);
    expect([...steps].sort()).toEqual(
      [
        'askingCalendar',
        'awaitingCheckIn',
        'awaitingConfirmation',
        'closing',
        'holding',
        'over',
        'stoppingLockCommand',
        'storingActivating',
        'unlocking',
        'waitingForWorkingTime',
      ].sort(),
    );
  });

  it.each([...states.keys()].sort())('%s: each event keeps the invariants', (key) => {
    let reductions = 0;
    for (const state of states.get(key)!) {
      const now = Math.max(state.lock.nextDueAt ?? 0, state.lock.lockEndsAt ?? 0, 1_000_000);
      for (const event of eventsFor(state, now)) {
        const before = JSON.stringify(state);
        const { state: next, commands } = reduceLock(state, event);
        reductions++;
        const where = `${key}, ${JSON.stringify(event)} → ${kinds(commands).join(', ')}`;
        // The reducer is pure: the state it was given is unchanged.
        expect(JSON.stringify(state)).toBe(before);
        // The status changes only with a transition written, each with the next seq.
        const records = commands.flatMap((c) => (c.type === 'recordTransition' ? [c.change] : []));
        expect({ where, seqs: records.map((r) => r.seq) }).toEqual({ where, seqs: records.map((_, i) => state.lock.seq + i + 1) });
        expect({ where, status: next.lock.status }).toEqual({ where, status: records.at(-1)?.status ?? state.lock.status });
        let from = state.lock.status;
        for (const { status } of records) {
          expect({ where, from, to: NEXT_STATUSES[from].includes(status) }).toEqual({ where, from, to: true });
          from = status;
        }
        // Never LOCK once the lock is ending.
        if (state.lock.ending !== null || next.lock.ending !== null) {
          expect({ where, sendsLock: kinds(commands).includes('sendLockCommand') }).toEqual({ where, sendsLock: false });
        }
        // A final status absorbs everything: nothing is written or sent, and the end stays as it was.
        if (FINAL_TEMP_LOCK_STATUSES.includes(state.lock.status)) {
          expect({ where, commands: kinds(commands).filter((k) => !['startTimer', 'complete'].includes(k)) }).toEqual({
            where,
            commands: [],
          });
          expect({ where, end: [next.lock.status, next.lock.seq, next.lock.endReason, next.lock.ending] }).toEqual({
            where,
            end: [state.lock.status, state.lock.seq, state.lock.endReason, state.lock.ending],
          });
        }
        // A run that is over (completed or continued as new) does nothing more.
        if (state.run.step.name === 'over') expect({ where, commands }).toEqual({ where, commands: [] });
      }
    }
    expect(reductions).toBeGreaterThan(0);
  });
});

/** The regression seeds: each once broke an invariant of a lock's end; a test case forever. */
const REGRESSION_SEEDS: number[] = [];
const SEEDS = process.env.DO_LOCK_STATE_SEED
  ? [Number(process.env.DO_LOCK_STATE_SEED)]
  : [...new Set([...REGRESSION_SEEDS, ...Array.from({ length: 3_000 }, (_, i) => i + 1)])];

describe('lock reducer: seeded random schedules', () => {
  it(`keeps the invariants of a lock's end over ${SEEDS.length} schedules (DO_LOCK_STATE_SEED=<n> replays one)`, () => {
    const failing: string[] = [];
    let continuedAsNew = 0;
    const endings = new Map<string, number>();
    for (const seed of SEEDS) {
      const world = runSeed(seed);
      const found = violationsOf(world);
      if (found.length > 0) failing.push(`seed ${seed}: ${found.slice(0, 3).join('; ')}`);
      if (world.runs > 1) continuedAsNew++;
      endings.set(world.outcome?.status ?? 'none', (endings.get(world.outcome?.status ?? 'none') ?? 0) + 1);
    }
    expect(failing.slice(0, 10)).toEqual([]);
    // The schedules reach every ending and continue as new, or they test less than they claim.
    if (SEEDS.length > 1) {
      expect([...endings.keys()].sort()).toEqual(['CANCELLED', 'DEACTIVATED', 'FAILED']);
      expect(continuedAsNew).toBeGreaterThan(SEEDS.length / 50);
    }
  });

  it('draws the same schedule from the same seed', () => {
    const [a, b] = [runSeed(42), runSeed(42)];
    expect(b.commands).toEqual(a.commands);
    expect(b.told).toEqual(a.told);
  });
});
