// Starts batches that are stored but whose workflow is not there: uploads and retries answered 503
// while Temporal was unreachable (CREATED), and RUNNING batches whose run Temporal does not know. A
// start is idempotent (one workflow id per run, never reused), so several API instances may all run this.
import { WorkflowNotFoundError } from '@temporalio/client';
import { BatchRecord, findRunningBatches, findUnstartedBatches } from '../db/batchStore';
import type { Logger } from '../logger';
import { BatchRunDeps, currentRunOf, startBatchRun } from './batchRuns';

export interface BatchReconcilerOptions {
  intervalMs: number;
  /** A CREATED batch younger than this is left to the request that stored it. */
  unstartedGraceMs: number;
  /** RUNNING batches are checked every this many rounds (a describe per batch). */
  runningCheckEvery: number;
}

const BATCHES_PER_ROUND = 50;

export function startBatchReconciler(
  deps: BatchRunDeps & { log: Logger },
  options: BatchReconcilerOptions = { intervalMs: 5_000, unstartedGraceMs: 3_000, runningCheckEvery: 12 },
): { stop(): Promise<void> } {
  let round = 0;
  let stopped = false;
  const tick = async () => {
    round += 1;
    try {
      await startAll(await findUnstartedBatches(deps.pool, options.unstartedGraceMs, BATCHES_PER_ROUND));
      if (round % options.runningCheckEvery === 0)
        await startAll(await runningWithoutRun(await findRunningBatches(deps.pool, BATCHES_PER_ROUND)));
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
    }
  };
  const runningWithoutRun = async (batches: BatchRecord[]) => {
    const missing: BatchRecord[] = [];
    for (const batch of batches) {
      await deps.temporal.workflow
        .getHandle(currentRunOf(batch).workflowId)
        .describe()
        .catch((err) => {
          if (err instanceof WorkflowNotFoundError) missing.push(batch);
          else throw err;
        });
    }
    return missing;
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
