// Activities of the BatchAssign parent: the batch's bookkeeping in PostgreSQL. Rows travel into the
// workflow one page at a time (ids and UIDs only); final counters are recounted from the rows, so
// they are right whatever happened to the runs in between (continue-as-new, restarts, retries).
import { Pool } from 'pg';
import { PendingRow, RowCounts, closePendingRows, countRows, pendingRowsPage } from '../db/batchStore';

export function createBatchRunActivities({ pool }: { pool: Pool }) {
  return {
    /** Marks the batch RUNNING and returns the counts so far (rows rejected at upload, earlier runs). */
    async batchRunStarted({ batchId }: { batchId: string }): Promise<RowCounts> {
      await pool.query(
        `UPDATE t_batch_action SET status = 'RUNNING', started_at = COALESCE(started_at, now()), finished_at = NULL
          WHERE id = $1 AND status IN ('CREATED', 'RUNNING')`,
        [batchId],
      );
      return countRows(pool, batchId);
    },

    async pendingRowsPage({ batchId, afterId, limit }: { batchId: string; afterId: number; limit: number }): Promise<PendingRow[]> {
      return pendingRowsPage(pool, batchId, afterId, limit);
    },

    async closePendingRows(input: {
      batchId: string;
      status: 'CANCELLED' | 'FAILED' | 'SKIPPED';
      code: string;
      message: string;
    }): Promise<number> {
      return closePendingRows(pool, input.batchId, input.status, input.code, input.message);
    },

    /** Writes the final status and counters, recounted from the rows. */
    async finishBatch({ batchId, status }: { batchId: string; status: 'COMPLETED' | 'CANCELLED' }): Promise<RowCounts> {
      const counts = await countRows(pool, batchId);
      const failed = (counts.byStatus.FAILED ?? 0) + (counts.byStatus.CANCELLED ?? 0);
      await pool.query(
        `UPDATE t_batch_action SET status = $2, counters = $3, is_success = $4, is_downloadable = true,
                finished_at = COALESCE(finished_at, now())
          WHERE id = $1`,
        [batchId, status, JSON.stringify(counts), failed === 0],
      );
      return counts;
    },
  };
}
