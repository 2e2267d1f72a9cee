// Starts batches that are stored but whose workflow is not there: uploads and retries answered 503
// while Temporal was unreachable (CREATED), and RUNNING batches whose run Temporal does not know. Ends
// RUNNING batches whose run ended without ending them (terminated from the Web UI, failed, timed out).
// Every RUNNING batch is checked, a page per round. A start is idempotent (one workflow id per run,
// never reused) and an end is guarded in the store, so several API instances may all run this.
import { WorkflowExecutionStatusName, WorkflowNotFoundError } from '@temporalio/client';
import { BatchRecord, RunningBatchesCursor, endBatchWithoutItsRun, findRunningBatches, findUnstartedBatches } from './store';
import type { Logger } from '../platform/logger';
import { BatchRunDeps, currentRunOf, startBatchRun } from './runs';

export interface BatchReconcilerOptions {
  intervalMs: number;
  /** A CREATED batch younger than this is left to the request that stored it. */
  unstartedGraceMs: number;
  /** RUNNING batches are checked every this many rounds (a describe per batch), a page at a time. */
  runningCheckEvery: number;
  /** Batches started, or checked, per round at most. */
  batchesPerRound: number;
}

/**
 * A batch whose run ended in Temporal without ending it: stopped by hand (terminated or cancelled from
 * the Web UI) it ends CANCELLED; broken (failed, timed out) it ends FAILED with its devices left to a retry.
 */
const endedRunOutcome = {
  TERMINATED: cancelledBy('terminated'),
  CANCELLED: cancelledBy('cancelled'),
  FAILED: failedBy('failed'),
  TIMED_OUT: failedBy('timed out'),
} satisfies Partial<Record<WorkflowExecutionStatusName, unknown>>;

function cancelledBy(how: string) {
  const message = `the batch's workflow run was ${how} before this device was done`;
  return { status: 'CANCELLED', rows: { status: 'CANCELLED', code: 'CANCELLED', message } } as const;
}

function failedBy(how: string) {
  const message = `the batch's workflow run ${how} before this device was done; retry the batch's failed devices`;
  return { status: 'FAILED', rows: { status: 'FAILED', code: 'INTERNAL_ERROR', message } } as const;
}

export function startBatchReconciler(
  deps: BatchRunDeps & { log: Logger; /** Counts each action (the API's metrics). */ counted?: (action: 'started' | 'ended') => void },
  options: BatchReconcilerOptions = { intervalMs: 5_000, unstartedGraceMs: 3_000, runningCheckEvery: 12, batchesPerRound: 50 },
): { stop(): Promise<void> } {
  let round = 0;
  let stopped = false;
  let runningCursor: RunningBatchesCursor = null;
  const tick = async () => {
    round += 1;
    try {
      await startAll(await findUnstartedBatches(deps.pool, options.unstartedGraceMs, options.batchesPerRound));
      if (round % options.runningCheckEvery === 0) {
        const page = await findRunningBatches(deps.pool, runningCursor, options.batchesPerRound);
        const last = page.at(-1);
        runningCursor = last && page.length === options.batchesPerRound ? { createdAt: last.createdAt, id: last.id } : null;
        await startAll(await checkRuns(page));
      }
    } catch (err) {
      deps.log.warn({ err }, 'batch reconciler: round failed; trying again next round');
    }
  };
  /** Stops at the first failure: Temporal is still away, the next round tries again. */
  const startAll = async (batches: BatchRecord[]) => {
    for (const batch of batches) {
      if (stopped) return;
      const { attempt } = currentRunOf(batch);
      await startBatchRun(deps, batch, attempt);
      deps.log.info({ batchId: batch.id, attempt }, 'batch reconciler: started a batch that had no running workflow');
      deps.counted?.('started');
    }
  };
  /** Ends the batches whose run ended without ending them; returns those whose run Temporal does not know. */
  const checkRuns = async (batches: BatchRecord[]) => {
    const missing: BatchRecord[] = [];
    for (const batch of batches) {
      if (stopped) break;
      const status = await deps.temporal.workflow
        .getHandle(currentRunOf(batch).workflowId)
        .describe()
        .then(
          (description) => description.status.name,
          (err) => {
            if (err instanceof WorkflowNotFoundError) return null;
            throw err;
          },
        );
      if (status === null) missing.push(batch);
      else if (status in endedRunOutcome) await endWithoutRun(batch, status as keyof typeof endedRunOutcome);
    }
    return missing;
  };
  const endWithoutRun = async (batch: BatchRecord, how: keyof typeof endedRunOutcome) => {
    // Its children are abandoned, not cancelled: each still writes its device's row; the rest waits for them.
    const { count } = await deps.temporal.workflow.count(`BatchId = '${batch.id}' AND ExecutionStatus = 'Running'`);
    if (count > 0) return;
    const { attempt } = currentRunOf(batch);
    if (await endBatchWithoutItsRun(deps.pool, batch.id, { attempt, ...endedRunOutcome[how] })) {
      deps.log.warn({ batchId: batch.id, attempt, run: how }, 'batch reconciler: ended a batch whose run ended without ending it');
      deps.counted?.('ended');
    }
  };
  let wake: () => void = () => undefined;
  const loop = (async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (!stopped) await tick();
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}
