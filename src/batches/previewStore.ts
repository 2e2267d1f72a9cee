// Previewed batches in PostgreSQL (SPEC §9, bulk safety): a preview is a stored batch with status PREVIEW, which
// nothing starts until it is released (CREATED, then started as an upload's batch is), discarded with its rows, or
// expired. The rows a prediction reads, and the prediction kept with the batch.
import type { Pool } from 'pg';
import { BatchRecord, toBatchRecord } from './store';
import { Queryable, inTransaction } from '../platform/db/postgres';

/** A row as the preview reads it: its file position and UID, and the result it already has (refused at upload). */
export interface PreviewRow {
  rowNumber: number;
  uid: string;
  /** Set for rows refused at upload (FAILED at once); null for rows that would run. */
  refusal: { code: string; message: string } | null;
}

/**
 * The rows numbered after `afterRowNumber` up to `afterRowNumber + limit` (an upload numbers its rows 1…total), in file
 * order. A bounded range, not LIMIT: right after the upload's COPY the table's statistics do not know the batch, and a
 * LIMIT page was planned as a sort of every row after the cursor (8 s of a 100,000-row preview, 100 pages).
 */
export async function previewRowsPage(db: Queryable, batchId: string, afterRowNumber: number, limit: number): Promise<PreviewRow[]> {
  const { rows } = await db.query<{
    row_number: number;
    device_uid: string;
    status: string;
    result: { code: string; message: string } | null;
  }>(
    `SELECT row_number, device_uid, status, result FROM t_batch_action_device
      WHERE batch_action_id = $1 AND row_number > $2 AND row_number <= $2 + $3 ORDER BY row_number`,
    [batchId, afterRowNumber, limit],
  );
  return rows.map((r) => ({
    rowNumber: r.row_number,
    uid: r.device_uid,
    refusal: r.status === 'PENDING' ? null : (r.result ?? { code: r.status, message: `row is ${r.status}` }),
  }));
}

/** Keeps the prediction with the batch (ext_fields.preview), for GET and the portal to show again. */
export async function savePrediction(db: Queryable, batchId: string, prediction: Record<string, unknown>): Promise<BatchRecord> {
  const { rows } = await db.query(
    `UPDATE t_batch_action SET ext_fields = ext_fields || jsonb_build_object('preview', $2::jsonb) WHERE id = $1 RETURNING *`,
    [batchId, JSON.stringify(prediction)],
  );
  return toBatchRecord(rows[0]);
}

/** PREVIEW → CREATED, so the batch is started as an upload's is; null when the batch is no longer a preview. */
export async function releasePreview(db: Queryable, batchId: string): Promise<BatchRecord | null> {
  const { rows } = await db.query(
    `UPDATE t_batch_action SET status = 'CREATED',
            ext_fields = ext_fields || jsonb_build_object('preview_released_at', now())
      WHERE id = $1 AND status = 'PREVIEW' RETURNING *`,
    [batchId],
  );
  return rows[0] ? toBatchRecord(rows[0]) : null;
}

/** Deletes a batch that is still a preview, with its rows; false when it is no longer one. */
export async function discardPreview(pool: Pool, batchId: string): Promise<boolean> {
  return inTransaction(pool, async (tx) => {
    const claimed = await tx.query(`SELECT id FROM t_batch_action WHERE id = $1 AND status = 'PREVIEW' FOR UPDATE`, [batchId]);
    if (claimed.rowCount !== 1) return false;
    await tx.query('DELETE FROM t_batch_action_device WHERE batch_action_id = $1', [batchId]);
    await tx.query('DELETE FROM t_batch_action WHERE id = $1', [batchId]);
    return true;
  });
}

/** Previews stored more than `olderThanMs` ago, oldest first (the expiry sweep discards them). */
export async function findExpiredPreviews(db: Queryable, olderThanMs: number, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM t_batch_action WHERE status = 'PREVIEW' AND created_at < now() - $1 * interval '1 millisecond'
      ORDER BY created_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map((r) => r.id);
}
