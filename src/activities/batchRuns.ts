// Activities of the BatchAssign parent: the batch's bookkeeping in PostgreSQL. Rows travel into the
// workflow one page at a time (ids and UIDs only); final counters are recounted from the rows, so
// they are right whatever happened to the runs in between (continue-as-new, restarts, retries).
import { PendingRow, RowCounts, closePendingRows, countRows, markBatchRunning, pendingRowsPage, writeBatchOutcome } from '../db/batchStore';
import { PgPool } from '../db/postgres';
import { BatchEndStatus } from '../domain/assignmentModes';
import { StopReason } from '../domain/failureThreshold';

export function createBatchRunActivities({ pool }: { pool: PgPool }) {
  return {
    /** Marks the batch RUNNING and returns the counts so far (rows rejected at upload, earlier runs). */
    async batchRunStarted({ batchId }: { batchId: string }): Promise<RowCounts> {
      await markBatchRunning(pool, batchId);
      return countRows(pool, batchId);
    },

    async pendingRowsPage({ batchId, afterId, limit }: { batchId: string; afterId: number; limit: number }): Promise<PendingRow[]> {
      return pendingRowsPage(pool, batchId, afterId, limit);
    },

    async closePendingRows(input: { batchId: string; status: 'CANCELLED' | 'FAILED'; code: string; message: string }): Promise<number> {
      return closePendingRows(pool, input.batchId, input.status, input.code, input.message);
    },

    /** Writes the final status and counters, recounted from the rows. */
    async finishBatch({
      batchId,
      status,
      stopReason,
    }: {
      batchId: string;
      status: BatchEndStatus;
      stopReason: StopReason | null;
    }): Promise<RowCounts> {
      const counts = await countRows(pool, batchId);
      const failed = (counts.byStatus.FAILED ?? 0) + (counts.byStatus.CANCELLED ?? 0);
      await writeBatchOutcome(pool, batchId, { status, counts, isSuccess: failed === 0, stopReason });
      return counts;
    },
  };
}
