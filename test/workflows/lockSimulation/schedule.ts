// One simulated lock's schedule, drawn from a seed: the locks assigned (the first, then overrides) with their
// terms and the gateway's answers to each command attempt, what the device does (check-ins at any time,
// repeated, late, none; check-ins pushed by a command it received), cancels, working hours, store outages and
// worker restarts. Times are ms after the schedule's start, on the test server's clock. They are seconds, not
// minutes: a schedule then runs its course in a few seconds of wall clock whether or not the server can skip
// time (it cannot while any activity of any schedule runs, and the simulation runs hundreds at once).
import { Random } from './random';

/** What the gateway answers one command attempt; attempts past the drawn list are answered 200. */
export type GatewayAnswer =
  | { kind: 'ok' }
  /** An HTTP status the client turns into a refusal or a retryable error, as isPermanentRefusal says. */
  | { kind: 'status'; status: 401 | 404 | 409 | 500 }
  /** No answer: the client gives up at its timeout (or when the activity is cancelled). */
  | { kind: 'timeout' }
  /** 200 after a delay shorter than the client's timeout. */
  | { kind: 'slow'; delayMs: number }
  /** The command reaches the device, but the answer comes after the client's timeout; the retry gets 200. */
  | { kind: 'slowThenOk' };

interface LockPlan {
  durationMs: number;
  workingHours: boolean;
  deactivationWaitMs: number;
  unlockLeadMs: number;
  gatewayTimeoutMs: number;
  checkInsPerRun?: number;
  lockAnswers: GatewayAnswer[];
  unlockAnswers: GatewayAnswer[];
}

/** How the device reacts to a command the gateway accepted: it checks in at once (before the gateway answers), later, or not. */
export type Push = { mode: 'none' } | { mode: 'immediate'; repeats: number } | { mode: 'delayed'; delayMs: number; repeats: number };

export type Step =
  | { at: number; kind: 'assign'; lock: number }
  /** PUT on a device with a running lock: cancel it ("overridden by…"), wait for its end, start the next. */
  | { at: number; kind: 'override'; lock: number }
  /** `repeats`: the same request retried (same request id); `lateMs`: the API's signal reaches the lock that late. */
  | { at: number; kind: 'checkIn'; repeats: number; lateMs: number }
  | { at: number; kind: 'cancel' }
  | { at: number; kind: 'restartWorker' };

interface StoreOutage {
  /** The device's write attempts that go through before the outage. */
  afterAttempts: number;
  /** Write attempts that fail. */
  failures: number;
  /** The failing writes land but their answer is lost (the write must be idempotent). */
  landed: boolean;
}

export interface Schedule {
  seed: number;
  /** The device's inventory state when the first lock is assigned ('RELEASED' refuses the inventory LOCK). */
  deviceState: 'IN_USE' | 'RELEASED';
  /** The tenant's calendar: closed periods [from, to) after the start; every other instant is working time. */
  closed: [number, number][];
  locks: LockPlan[];
  steps: Step[];
  /** One per command the gateway accepts, in order; past the list the device does not react. */
  pushes: Push[];
  storeOutages: StoreOutage[];
}

const SECOND = 1_000;

export function drawSchedule(seed: number): Schedule {
  const random = new Random(seed);
  const first = drawLock(random);
  const closedUntil = first.workingHours ? random.int(200, 4_000) : 0;
  const closed: [number, number][] = first.workingHours ? [[0, closedUntil]] : [];
  if (first.workingHours && random.chance(0.3)) {
    const from = closedUntil + random.int(100, 3_000);
    closed.push([from, from + random.int(100, 3_000)]);
  }
  const horizon = closedUntil + Math.round(first.durationMs * 1.3) + first.deactivationWaitMs;
  const locks = [first];
  const steps: Step[] = [{ at: 0, kind: 'assign', lock: 0 }];
  const at = () => random.int(0, horizon);
  const checkIns = Number(random.weighted({ 0: 1, 1: 2, 2: 2, 4: 2, 7: 1 }));
  for (let n = 0; n < checkIns; n++) {
    steps.push({ at: at(), kind: 'checkIn', repeats: Number(random.weighted({ 0: 6, 1: 2, 2: 1 })), lateMs: late(random) });
  }
  if (random.chance(0.35)) steps.push({ at: at(), kind: 'cancel' });
  const overrides = Number(random.weighted({ 0: 6, 1: 3, 2: 1 }));
  for (let n = 0; n < overrides; n++) {
    locks.push(drawLock(random, first.workingHours));
    steps.push({ at: at(), kind: 'override', lock: locks.length - 1 });
  }
  if (random.chance(0.08)) steps.push({ at: at(), kind: 'restartWorker' });
  steps.sort((a, b) => a.at - b.at);
  const pushes = Array.from({ length: 8 }, () => drawPush(random));
  const storeOutages = Array.from({ length: Number(random.weighted({ 0: 6, 1: 3, 2: 1 })) }, () => ({
    afterAttempts: random.int(0, 6),
    failures: random.int(1, 8),
    landed: random.chance(0.3),
  }));
  return { seed, deviceState: random.chance(0.1) ? 'RELEASED' : 'IN_USE', closed, locks, steps, pushes, storeOutages };
}

function drawLock(random: Random, workingHours = random.chance(0.3)): LockPlan {
  const checkInsPerRun = random.chance(0.4) ? random.int(2, 6) : undefined;
  return {
    durationMs: random.pick([1, 2, 4, 8]) * SECOND,
    workingHours,
    deactivationWaitMs: random.pick([0.5, 1, 3]) * SECOND,
    unlockLeadMs: random.int(0, 300),
    gatewayTimeoutMs: random.int(200, 500),
    ...(checkInsPerRun !== undefined ? { checkInsPerRun } : {}),
    lockAnswers: drawAnswers(random),
    unlockAnswers: drawAnswers(random),
  };
}

function drawAnswers(random: Random): GatewayAnswer[] {
  const count = Number(random.weighted({ 0: 5, 1: 3, 2: 2, 3: 1 }));
  return Array.from({ length: count }, (): GatewayAnswer => {
    const kind = random.weighted({ ok: 1, 401: 1, 404: 1, 409: 1, 500: 3, timeout: 2, slow: 2, slowThenOk: 2 });
    if (kind === 'ok' || kind === 'timeout' || kind === 'slowThenOk') return { kind };
    if (kind === 'slow') return { kind, delayMs: random.int(20, 150) };
    return { kind: 'status', status: Number(kind) as 401 | 404 | 409 | 500 };
  });
}

function drawPush(random: Random): Push {
  const mode = random.weighted({ none: 3, immediate: 3, delayed: 4 });
  const repeats = random.chance(0.2) ? 1 : 0;
  if (mode === 'none') return { mode };
  if (mode === 'immediate') return { mode, repeats };
  return { mode, delayMs: random.pick([5, 100, 500, 2_000, 5_000]), repeats };
}

function late(random: Random): number {
  return random.chance(0.15) ? random.pick([50, 300, 1_500]) : 0;
}

/** The schedule as a person reads it: one line per item. */
export function formatSchedule(schedule: Schedule): string {
  const ms = (ms: number) => `${ms}ms`;
  const answers = (list: GatewayAnswer[]) =>
    list.map((a) => (a.kind === 'status' ? String(a.status) : a.kind === 'slow' ? `slow(${a.delayMs}ms)` : a.kind)).join(',') || '-';
  const lines = [
    `seed ${schedule.seed}: device ${schedule.deviceState}, closed ${schedule.closed.map(([a, b]) => `[${ms(a)}, ${ms(b)})`).join(' ') || 'never'}`,
    ...schedule.locks.map(
      (l, i) =>
        `  lock ${i}: ${ms(l.durationMs)}${l.workingHours ? ' working hours' : ''}, deactivation wait ${ms(l.deactivationWaitMs)}, ` +
        `lead ${l.unlockLeadMs}ms, gateway timeout ${l.gatewayTimeoutMs}ms, check-ins/run ${l.checkInsPerRun ?? 'default'}, ` +
        `LOCK answers ${answers(l.lockAnswers)}, UNLOCK answers ${answers(l.unlockAnswers)}`,
    ),
    ...schedule.steps.map((s) => {
      const detail =
        s.kind === 'checkIn'
          ? ` repeats ${s.repeats}${s.lateMs ? `, signal ${s.lateMs}ms late` : ''}`
          : 'lock' in s
            ? ` lock ${s.lock}`
            : '';
      return `  at ${ms(s.at)}: ${s.kind}${detail}`;
    }),
    `  pushes after accepted commands: ${schedule.pushes.map((p) => (p.mode === 'delayed' ? `${p.delayMs}ms` : p.mode) + (p.mode !== 'none' && p.repeats ? '×2' : '')).join(', ')}`,
    `  store outages: ${schedule.storeOutages.map((o) => `${o.failures} failures after ${o.afterAttempts} attempts${o.landed ? ' (landed)' : ''}`).join('; ') || 'none'}`,
  ];
  return lines.join('\n');
}
