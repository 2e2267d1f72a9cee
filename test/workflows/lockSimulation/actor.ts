// The world's actor: one workflow per schedule that makes the operator's and the device's moves at their times
// on the test server's clock, so they interleave with the lock's own (skipped) timers as they would in real time.
// After its steps the device stays online and checks in as it was told, until no lock of the schedule runs.
import { condition, defineSignal, proxyLocalActivities, setHandler, sleep, uuid4 } from '@temporalio/workflow';
import type { ActorActivities } from './activities';
import type { Step } from './schedule';

/** A command reached the device, which checks in `delayMs` later (`repeats`: the same request retried). */
export const devicePushSignal = defineSignal<[{ delayMs: number; repeats: number }]>('devicePush');

const act = proxyLocalActivities<ActorActivities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });

/** An overriding assign waits for the running lock's end at most this often (server time; they double). */
const OVERRIDE_POLLS = 16;
/** Check-ins of the online device after the schedule's steps, at most. */
const TAIL_CHECK_INS = 80;
/** A retried check-in request follows the first this much later. */
const REPEAT_AFTER_MS = 300;

export async function lockSimActor(seed: number, steps: Step[]): Promise<void> {
  const startedAt = Date.now();
  await act.beginSchedule(seed, startedAt);
  let pushed = 0;
  setHandler(devicePushSignal, ({ delayMs, repeats }) => {
    pushed++;
    void sleep(delayMs)
      .then(() => checkIn(seed, repeats, 0))
      .finally(() => pushed--);
  });
  for (const step of steps) {
    const wait = startedAt + step.at - Date.now();
    if (wait > 0) await sleep(wait);
    if (step.kind === 'assign' || step.kind === 'override') await assign(seed, step.lock);
    else if (step.kind === 'checkIn') await checkIn(seed, step.repeats, step.lateMs);
    else if (step.kind === 'cancel') await act.cancelLock(seed);
    else await act.restartWorkers(seed);
  }
  for (let i = 0; i < TAIL_CHECK_INS; i++) {
    const seen = await checkIn(seed, 0, 0);
    if (!seen.running) break;
    // As a device does: at the end of a LOCK, soon after an UNLOCK, now and then while nothing is due.
    await sleep(seen.directive === 'LOCK' ? Math.max(200, seen.lockUntil! - seen.at + 200) : seen.directive === 'UNLOCK' ? 500 : 1_000);
  }
  await condition(() => pushed === 0);
}

/** PUT: starts the lock, or cancels the running one and waits for its end (polling, as the API's wait does), then starts it. */
async function assign(seed: number, lock: number): Promise<void> {
  const actionId = uuid4();
  for (let poll = 0; !(await act.startOverriding(seed, lock, actionId)); poll++) {
    if (poll === OVERRIDE_POLLS) return act.note(seed, `override to lock ${lock} gave up: the running lock did not end`);
    await sleep(Math.min(200 * 2 ** poll, 2_000));
  }
}

async function checkIn(seed: number, repeats: number, lateMs: number) {
  const requestId = uuid4();
  const seen = await act.checkIn(seed, requestId, lateMs > 0);
  if (seen.heldBack) {
    await sleep(lateMs);
    await act.deliverCheckIn(seed, seen.heldBack);
  }
  for (let i = 0; i < repeats; i++) {
    await sleep(REPEAT_AFTER_MS);
    await act.checkIn(seed, requestId, false);
  }
  return seen;
}
