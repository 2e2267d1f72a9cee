// Activities of the BatchAssign parent: the batch's bookkeeping in PostgreSQL. Rows travel into the
// workflow one page at a time (ids and UIDs only); final counters are recounted from the rows, so
// they are right whatever happened to the runs in between (continue-as-new, restarts, retries).
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  PendingRow,
  RowCounts,
  closePendingRows,
  countRows,
  markBatchRunning,
  pendingRowsPage,
  writeBatchOutcome,
  writeRunStatus,
} from './store';
import { PgPool } from '../platform/db/postgres';
import { heartbeating } from '../platform/worker/heartbeating';
import { BatchEndStatus, RunBatchStatus, StartedBatchStatus } from './modes';
import { StopReason } from './failureThreshold';
import { workingSpanFor } from '../tenants/useCases';

/**
 * How often the run's long bookkeeping heartbeats, well inside its heartbeat timeout (batchAssignWorkflow.ts): a
 * statement over a large batch's rows may take minutes, but a task lost with a stopped worker is given to another
 * one after the heartbeat timeout.
 */
const HEARTBEAT_EVERY_MS = 5_000;

/** What a run's end left: the status the batch holds (a cancel may have won over the run) and its rows' counts. */
export interface BatchOutcome {
  status: RunBatchStatus;
  counts: RowCounts;
}

/**
 * Which of these workflow executions have ended, and how (TERMINATED, FAILED, ...; NOT_FOUND once
 * Temporal no longer keeps them): asked of Temporal through the worker's client.
 */
export async function endedWorkflows({ workflowIds }: { workflowIds: string[] }): Promise<Record<string, string>> {
  const { client } = Context.current();
  const ended: Record<string, string> = {};
  for (const workflowId of workflowIds) {
    const status = await client.workflow
      .getHandle(workflowId)
      .describe()
      .then(
        (description) => description.status.name,
        (err) => {
          if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
          throw err;
        },
      );
    if (status !== 'RUNNING') ended[workflowId] = status;
  }
  return ended;
}

export function createBatchRunActivities({ pool }: { pool: PgPool }) {
  return {
    endedWorkflows,

    /** Marks the batch RUNNING and returns the counts so far (rows rejected at upload, earlier runs). */
    async batchRunStarted({ batchId, attempt }: { batchId: string; attempt: number }): Promise<RowCounts> {
      await markBatchRunning(pool, batchId, attempt);
      return countRows(pool, batchId);
    },

    /** The run's status as it pauses, waits and goes on (a batch that has ended keeps its final status). */
    async recordRunStatus(run: {
      batchId: string;
      attempt: number;
      status: StartedBatchStatus;
      nextStartAt: string | null;
    }): Promise<void> {
      await writeRunStatus(pool, run.batchId, run);
    },

    /** The tenant's working window at or after `at` (the workflow's clock): from when until when devices may start. */
    async workingSpanOf({ tenantId, at }: { tenantId: string; at: number }): Promise<{ from: number; until: number | null } | null> {
      return workingSpanFor(pool, tenantId, at);
    },

    async pendingRowsPage({
      batchId,
      afterRowNumber,
      limit,
    }: {
      batchId: string;
      afterRowNumber: number;
      limit: number;
    }): Promise<PendingRow[]> {
      return pendingRowsPage(pool, batchId, afterRowNumber, limit);
    },

    async closePendingRows(input: { batchId: string; status: 'CANCELLED' | 'FAILED'; code: string; message: string }): Promise<number> {
      return heartbeating(HEARTBEAT_EVERY_MS, () => closePendingRows(pool, input.batchId, input.status, input.code, input.message));
    },

    /** Writes the final status (unless the batch already has one) and the counters, recounted from the rows. */
    async finishBatch({
      batchId,
      attempt,
      status,
      stopReason,
    }: {
      batchId: string;
      attempt: number;
      status: BatchEndStatus;
      stopReason: StopReason | null;
    }): Promise<BatchOutcome> {
      return heartbeating(HEARTBEAT_EVERY_MS, async () => {
        const counts = await countRows(pool, batchId);
        const failed = (counts.byStatus.FAILED ?? 0) + (counts.byStatus.CANCELLED ?? 0);
        const stored = await writeBatchOutcome(pool, batchId, { attempt, status, counts, isSuccess: failed === 0, stopReason });
        return { status: stored, counts };
      });
    },
  };
}
