// An activity that heartbeats while its work runs: the server gives a task whose worker stopped (killed, or shut down
// while the task was on its way) to another worker after the activity's heartbeat timeout, not after its
// start-to-close timeout; and a heartbeating activity learns of its cancellation.
import { Context } from '@temporalio/activity';

/** Runs `work` in the current activity, heartbeating at once and every `everyMs` until it settles. */
export async function heartbeating<T>(everyMs: number, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  context.heartbeat();
  const beat = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
