// The lock simulation's schedules (test/workflows/lockSimulation/schedule.ts) played against the lock's reducer
// alone, in the pure world of lockStateWorld.ts: the same seeds the simulation runs on Temporal's dev server, in
// milliseconds. The world plays the first lock of each schedule — an override cancels it as the API does, the
// lock it starts is not followed — with the gateway answering as drawn (a 404 refuses for good, other failures
// are retried until taken), the device checking in at its steps and after each command it receives, and the
// store answering at once (its outages cost the workflow time, not order). Worker restarts are Temporal's
// concern, not the reducer's. DO_LOCK_STATE_SEED=<n> runs one seed.
import { drawSchedule, type GatewayAnswer, type Schedule } from '../../workflows/lockSimulation/schedule';
import { Random } from '../../workflows/lockSimulation/random';
import { LockStateWorld, lockTerms, violationsOf } from './lockStateWorld';

/** What the gateway's drawn answers come to: refused at the first 404, else taken after the retries. */
function finalAnswer(answers: GatewayAnswer[]): 'accepted' | 'refused' {
  return answers.some((a) => a.kind === 'status' && a.status === 404) ? 'refused' : 'accepted';
}

/** Plays `schedule`'s first lock against the reducer to its end. */
function play(schedule: Schedule): LockStateWorld {
  const plan = schedule.locks[0]!;
  const world = new LockStateWorld(
    lockTerms({
      durationMs: plan.durationMs,
      workingHours: plan.workingHours,
      deactivationWaitMs: plan.deactivationWaitMs,
      unlockLeadMs: plan.unlockLeadMs,
      checkInsPerRun: plan.checkInsPerRun ?? 1000,
    }),
  );
  const startedAt = world.now;
  if (plan.workingHours && schedule.closed[0]) world.workingFrom = startedAt + schedule.closed[0][1];
  world.inventoryLocks = schedule.deviceState !== 'RELEASED';
  const random = new Random(schedule.seed);
  const pushes = [...schedule.pushes];
  const checkIns: number[] = [];
  let ids = 0;
  const checkIn = () => world.checksIn(`check-in-${++ids}`);
  const accepted = () => {
    const push = pushes.shift() ?? { mode: 'none' };
    if (push.mode === 'none') return;
    const at = world.now + (push.mode === 'delayed' ? push.delayMs : 0);
    for (let i = 0; i <= push.repeats; i++) checkIns.push(at + i * 300);
  };
  /** Runs everything in flight and due up to `until`, in time order. */
  const runUntil = (until: number) => {
    for (let guard = 0; guard < 2_000 && !world.over; guard++) {
      if (world.unwritten.length > 0) world.writeLands();
      else if (world.calendarAsked) world.calendarAnswers();
      else if (world.lockCommand !== 'none') {
        const answer = world.lockCommand === 'stopping' ? 'abandoned' : finalAnswer(plan.lockAnswers);
        world.lockAnswers(answer);
        if (answer === 'accepted') accepted();
      } else if (world.unlockCommand !== 'none') {
        const answer = finalAnswer(plan.unlockAnswers);
        world.unlockAnswers(answer);
        if (answer === 'accepted') accepted();
      } else {
        const timer = Math.min(...world.timers.values());
        checkIns.sort((a, b) => a - b);
        const next = Math.min(timer, checkIns[0] ?? Infinity);
        if (next > until) break;
        if (next === timer) world.timerFires();
        else {
          world.now = Math.max(world.now, checkIns.shift()!);
          checkIn();
        }
      }
    }
    if (until !== Infinity) world.now = Math.max(world.now, until);
  };
  for (const step of schedule.steps) {
    if (world.over || step.kind === 'override' || step.kind === 'assign' || step.kind === 'restartWorker') {
      if (step.kind === 'override' && !world.over) {
        runUntil(startedAt + step.at);
        world.cancels(true);
      }
      continue;
    }
    runUntil(startedAt + step.at);
    if (step.kind === 'cancel') world.cancels();
    else {
      // A retried request carries the same id.
      const id = `check-in-${++ids}`;
      for (let i = 0; i <= step.repeats; i++) world.checksIn(id);
    }
  }
  // Then the device stays online, checking in now and then, until the lock ends.
  for (let tail = 0; tail < 200 && !world.over; tail++) {
    runUntil(world.now + random.pick([200, 500, 1_000]));
    if (!world.over) checkIn();
  }
  runUntil(Infinity);
  return world;
}

const REGRESSION_SEEDS = [1, 2, 10, 12, 89, 100073, 100207, 100295, 101067];
const SEEDS = process.env.DO_LOCK_STATE_SEED
  ? [Number(process.env.DO_LOCK_STATE_SEED)]
  : [...new Set([...REGRESSION_SEEDS, ...Array.from({ length: 2_000 }, (_, i) => i + 1)])];

describe('lock reducer: the lock simulation’s schedules', () => {
  it(`keeps the invariants of a lock's end over ${SEEDS.length} schedules of the lock simulation`, () => {
    const failing: string[] = [];
    const endings = new Map<string, number>();
    for (const seed of SEEDS) {
      const world = play(drawSchedule(seed));
      const found = violationsOf(world);
      if (found.length > 0) failing.push(`seed ${seed}: ${found.slice(0, 3).join('; ')}`);
      const status = world.outcome?.status ?? 'none';
      endings.set(status, (endings.get(status) ?? 0) + 1);
    }
    expect(failing.slice(0, 10)).toEqual([]);
    if (SEEDS.length > 1) expect([...endings.keys()].sort()).toEqual(['CANCELLED', 'DEACTIVATED', 'FAILED']);
  });
});
