// Batch bookkeeping in PostgreSQL (t_batch_action, t_batch_action_device): the queries shared by
// the BatchAssign activities and the batch API.
import { Pool } from 'pg';
import { BatchEndStatus, BatchStatus, RunBatchStatus, StartedBatchStatus, startedBatchStatuses, unfinishedBatchStatuses } from './modes';
import { StopReason } from './failureThreshold';
import { BatchOptions, parseBatchOptions } from './options';
import { DeviceResultCode } from '../platform/errorCodes';
import { PgTransaction, Queryable, inTransaction } from '../platform/db/postgres';
import { internalErrorMessage } from '../platform/internalErrors';
import { announceWebhookEvent } from '../webhooks/useCases';

export type { BatchOptions };

export interface BatchRecord {
  id: string;
  tenantId: string;
  createdBy: string;
  status: BatchStatus;
  options: BatchOptions;
  /** Why the batch stopped early (status FAILED), from its last run. */
  stopReason: StopReason | null;
  extFields: Record<string, unknown>;
  counters: Record<string, number>;
  isSuccess: boolean | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  idempotencyKey: string | null;
}

/** Counts of rows by status and by result code. */
export interface RowCounts {
  total: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
}

/** One batch row: its batch and its number in the file (the table's primary key). */
export interface BatchRowKey {
  batchId: string;
  rowNumber: number;
}

/** A row still to run: its number in the file (with the batch, the row's key) and its device's UID. */
export interface PendingRow {
  rowNumber: number;
  uid: string;
}

/** A batch id's shape (PostgreSQL's uuid text form): anything else cannot name a batch and never reaches a query. */
export const BATCH_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Row numbers are PostgreSQL integers: a cursor past this cannot name a row. */
export const MAX_ROW_NUMBER = 2_147_483_647;

export async function findBatch(db: Queryable, batchId: string, tenantIds: string[]): Promise<BatchRecord | null> {
  if (!BATCH_ID_PATTERN.test(batchId)) return null;
  const { rows } = await db.query('SELECT * FROM t_batch_action WHERE id = $1 AND tenant_id = ANY($2)', [batchId, tenantIds]);
  return rows[0] ? toBatchRecord(rows[0]) : null;
}

export async function findBatchByIdempotencyKey(db: Queryable, tenantId: string, key: string): Promise<BatchRecord | null> {
  const { rows } = await db.query('SELECT * FROM t_batch_action WHERE tenant_id = $1 AND idempotency_key = $2', [tenantId, key]);
  return rows[0] ? toBatchRecord(rows[0]) : null;
}

// pg returns rows untyped; this is the one place a t_batch_action row becomes a typed record.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toBatchRecord(row: Record<string, any>): BatchRecord {
  const ext = row.ext_fields ?? {};
  return {
    id: row.id,
    tenantId: row.tenant_id,
    createdBy: row.created_by,
    status: row.status,
    options: parseBatchOptions(row.id, row.tenant_id, ext),
    stopReason: (ext.stop_reason as StopReason | undefined) ?? null,
    extFields: ext,
    counters: row.counters ?? {},
    isSuccess: row.is_success,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    idempotencyKey: row.idempotency_key,
  };
}

export async function countRows(db: Queryable, batchId: string): Promise<RowCounts> {
  const { rows } = await db.query<{ status: string; code: string | null; n: string }>(
    `SELECT status, result->>'code' AS code, count(*) AS n FROM t_batch_action_device
      WHERE batch_action_id = $1 GROUP BY status, result->>'code'`,
    [batchId],
  );
  const counts: RowCounts = { total: 0, byStatus: {}, byCode: {} };
  for (const r of rows) {
    const n = Number(r.n);
    counts.total += n;
    counts.byStatus[r.status] = (counts.byStatus[r.status] ?? 0) + n;
    if (r.code) counts.byCode[r.code] = (counts.byCode[r.code] ?? 0) + n;
  }
  return counts;
}

/**
 * The next PENDING rows after row `afterRowNumber`, in file order: only row numbers and UIDs travel into the
 * workflow. PENDING rows have no status index entry (an upload's rows cost one B-tree each): the read walks the
 * primary key from the cursor, which only moves forward, so over a whole batch that is one pass over its rows.
 */
export async function pendingRowsPage(pool: Queryable, batchId: string, afterRowNumber: number, limit: number): Promise<PendingRow[]> {
  const { rows } = await pool.query<{ row_number: number; device_uid: string }>(
    `SELECT row_number, device_uid FROM t_batch_action_device
      WHERE batch_action_id = $1 AND row_number > $2 AND status = 'PENDING' ORDER BY row_number LIMIT $3`,
    [batchId, afterRowNumber, limit],
  );
  return rows.map((r) => ({ rowNumber: r.row_number, uid: r.device_uid }));
}

/** Ends every row still PENDING with the given status and code (cancel, or a child that left none). */
export async function closePendingRows(
  pool: Pool,
  batchId: string,
  status: 'CANCELLED' | 'FAILED' | 'SKIPPED',
  code: string,
  message: string,
): Promise<number> {
  const result = await pool.query(
    `UPDATE t_batch_action_device SET status = $2, is_success = $3, result = $4, finished_at = now()
      WHERE batch_action_id = $1 AND status = 'PENDING'`,
    [batchId, status, status === 'SKIPPED', JSON.stringify({ code, message })],
  );
  return result.rowCount ?? 0;
}

/** One per-device result row as the API shows it. */
export interface BatchResultRow {
  rowNumber: number;
  deviceUid: string;
  deviceId: number | null;
  status: string;
  code: string | null;
  message: string | null;
  finishedAt: Date | null;
}

/** Result rows after `afterRowNumber` in file order, optionally only one status, result code or device UID prefix. */
export async function batchResultsPage(
  pool: Pool,
  batchId: string,
  filter: { afterRowNumber: number; status: string | null; code: string | null; uidPrefix: string | null },
  limit: number,
): Promise<BatchResultRow[]> {
  const { rows } = await pool.query(
    `SELECT row_number, device_uid, device_id, status, result, finished_at FROM t_batch_action_device
      WHERE batch_action_id = $1 AND row_number > $2 AND ($3::text IS NULL OR status = $3) AND ($4::text IS NULL OR result->>'code' = $4)
        AND ($6::text IS NULL OR starts_with(device_uid, $6))
      ORDER BY row_number LIMIT $5`,
    [batchId, filter.afterRowNumber, filter.status, filter.code, limit, filter.uidPrefix],
  );
  return rows.map((r) => ({
    rowNumber: r.row_number,
    deviceUid: r.device_uid,
    deviceId: r.device_id === null ? null : Number(r.device_id),
    status: r.status,
    code: r.result?.code ?? null,
    message: r.result?.message ?? null,
    finishedAt: r.finished_at,
  }));
}

/** The batch's current run (0, then one per retry): a late write of an earlier run changes nothing. */
const CURRENT_ATTEMPT = `COALESCE((ext_fields->>'retries')::int, 0)`;

/** A started run: CREATED becomes RUNNING (a batch already running keeps its start time). */
export async function markBatchStarted(pool: Pool, batchId: string, attempt: number): Promise<void> {
  await pool.query(
    `UPDATE t_batch_action SET status = 'RUNNING', started_at = COALESCE(started_at, now())
      WHERE id = $1 AND status = 'CREATED' AND ${CURRENT_ATTEMPT} = $2`,
    [batchId, attempt],
  );
}

/** Marks a batch RUNNING as its run `attempt` starts (the upload's, or a retry's); a batch already finished stays so. */
export async function markBatchRunning(db: Queryable, batchId: string, attempt: number): Promise<void> {
  await db.query(
    `UPDATE t_batch_action SET status = 'RUNNING', started_at = COALESCE(started_at, now()), finished_at = NULL,
            ext_fields = ext_fields - 'stop_reason'
      WHERE id = $1 AND status = ANY($2) AND ${CURRENT_ATTEMPT} = $3`,
    [batchId, [...unfinishedBatchStatuses], attempt],
  );
}

/**
 * Prepares retry run `attempt` of a batch whose workflow is not running (`fromStatuses` says which
 * statuses the caller found so): the batch is CREATED again (unstarted: the next start, or the
 * reconciler, runs it) and its FAILED rows (except those with `keptCodes`, refused at upload, which no
 * retry can change) are PENDING, their result kept as `previousResult`. Changes nothing when the batch
 * is no longer in one of `fromStatuses`, or when no row would run (none reset, none still PENDING).
 */
export async function resetBatchForRetry(
  pool: Pool,
  batchId: string,
  retry: { attempt: number; temporalWorkflowId: string; fromStatuses: readonly BatchStatus[]; keptCodes: readonly string[] },
): Promise<{ batch: BatchRecord; devices: number } | 'NOT_FINISHED' | 'NOTHING_TO_RETRY'> {
  try {
    return await inTransaction(pool, async (client) => {
      const claimed = await client.query(
        `UPDATE t_batch_action SET status = 'CREATED', finished_at = NULL, is_success = NULL,
                ext_fields = ext_fields || jsonb_build_object('retries', $2::int, 'current_workflow_id', $3::text)
          WHERE id = $1 AND status = ANY($4) RETURNING *`,
        [batchId, retry.attempt, retry.temporalWorkflowId, [...retry.fromStatuses]],
      );
      if (claimed.rowCount !== 1) throw new RetryRefused('NOT_FINISHED');
      await client.query(
        `UPDATE t_batch_action_device
            SET status = 'PENDING', is_success = NULL, finished_at = NULL,
                ext_fields = ext_fields || jsonb_build_object('previousResult', result), result = NULL
          WHERE batch_action_id = $1 AND status = 'FAILED' AND NOT (result->>'code' = ANY($2))`,
        [batchId, [...retry.keptCodes]],
      );
      const pending = await client.query(
        `SELECT count(*)::int AS n FROM t_batch_action_device WHERE batch_action_id = $1 AND status = 'PENDING'`,
        [batchId],
      );
      const devices: number = pending.rows[0].n;
      if (devices === 0) throw new RetryRefused('NOTHING_TO_RETRY');
      return { batch: toBatchRecord(claimed.rows[0]), devices };
    });
  } catch (err) {
    if (err instanceof RetryRefused) return err.reason;
    throw err;
  }
}

/**
 * Ends a batch that has no running workflow (never started, or its run is gone) as CANCELLED: rows
 * still PENDING end CANCELLED. False when the batch is no longer in one of `fromStatuses`.
 */
export async function cancelBatchWithoutRun(pool: Pool, batchId: string, fromStatuses: readonly BatchStatus[]): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const cancelled = await client.query<FinishedBatchRow>(
      `UPDATE t_batch_action SET status = 'CANCELLED', is_success = false, is_downloadable = true, finished_at = now()
        WHERE id = $1 AND status = ANY($2) RETURNING ${FINISHED_BATCH_COLUMNS}`,
      [batchId, [...fromStatuses]],
    );
    if (!cancelled.rows[0]) return false;
    await announceBatchFinished(client, cancelled.rows[0]);
    await client.query(
      `UPDATE t_batch_action_device SET status = 'CANCELLED', is_success = false, result = $2, finished_at = now()
        WHERE batch_action_id = $1 AND status = 'PENDING'`,
      [batchId, JSON.stringify({ code: 'CANCELLED', message: 'the batch was cancelled' })],
    );
    return true;
  });
}

/** Batches stored but not started (CREATED) for at least `olderThanMs`: the reconciler starts them. */
export async function findUnstartedBatches(pool: Pool, olderThanMs: number, limit: number): Promise<BatchRecord[]> {
  const { rows } = await pool.query(
    `SELECT * FROM t_batch_action WHERE status = 'CREATED' AND created_at < now() - $1 * interval '1 millisecond'
      ORDER BY created_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows.map(toBatchRecord);
}

/** Where a scan of the started batches (RUNNING, PAUSED, ...) stands: after this batch (creation order), or at the start. */
export type RunningBatchesCursor = { createdAt: Date; id: string } | null;

/** The next started batches (RUNNING, PAUSED, ...) after `after` in creation order: the reconciler checks their runs a page per round. */
export async function findRunningBatches(pool: Pool, after: RunningBatchesCursor, limit: number): Promise<BatchRecord[]> {
  const { rows } = await pool.query(
    `SELECT * FROM t_batch_action WHERE status = ANY($4) AND ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid))
      ORDER BY created_at, id LIMIT $3`,
    [after?.createdAt ?? null, after?.id ?? null, limit, [...startedBatchStatuses]],
  );
  return rows.map(toBatchRecord);
}

/**
 * The status run `attempt` of a started batch is in now (paused, waiting for its start or for working
 * hours, running) and when it next starts devices (null: now or when resumed); a batch that has ended
 * or moved on to another run stays as it is.
 */
export async function writeRunStatus(
  db: Queryable,
  batchId: string,
  run: { attempt: number; status: StartedBatchStatus; nextStartAt: string | null },
): Promise<void> {
  await db.query(
    `UPDATE t_batch_action SET status = $2, ext_fields = jsonb_set(ext_fields, '{next_start_at}', COALESCE(to_jsonb($3::text), 'null'::jsonb))
      WHERE id = $1 AND status = ANY($4) AND ${CURRENT_ATTEMPT} = $5`,
    [batchId, run.status, run.nextStartAt, [...startedBatchStatuses], run.attempt],
  );
}

/**
 * Ends a started batch (RUNNING, PAUSED, ...) whose run `attempt` ended without ending it (terminated,
 * failed or timed out in Temporal): rows still PENDING get `rows`, the batch `status` with counters
 * recounted from the rows. False when the batch is no longer that run's started batch.
 */
export async function endBatchWithoutItsRun(
  pool: Pool,
  batchId: string,
  ending: { attempt: number; status: 'CANCELLED' | 'FAILED'; rows: { status: 'CANCELLED' | 'FAILED'; code: string; message: string } },
): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const claimed = await client.query(
      `SELECT id FROM t_batch_action WHERE id = $1 AND status = ANY($3) AND ${CURRENT_ATTEMPT} = $2 FOR UPDATE`,
      [batchId, ending.attempt, [...startedBatchStatuses]],
    );
    if (claimed.rowCount !== 1) return false;
    const { status, code, message } = ending.rows;
    await client.query(
      `UPDATE t_batch_action_device SET status = $2, is_success = false, result = $3, finished_at = now()
        WHERE batch_action_id = $1 AND status = 'PENDING'`,
      [batchId, status, JSON.stringify({ code, message })],
    );
    const counts = await countRows(client, batchId);
    await writeBatchOutcome(client, batchId, {
      attempt: ending.attempt,
      status: ending.status,
      counts,
      isSuccess: false,
      stopReason: null,
    });
    return true;
  });
}

/** Rolls the retry's transaction back. */
class RetryRefused extends Error {
  constructor(readonly reason: 'NOT_FINISHED' | 'NOTHING_TO_RETRY') {
    super(reason);
  }
}

/**
 * Writes run `attempt`'s final status and the counters (recounted from the rows by the caller), only
 * over an unfinished status of that run: a batch cancelled meanwhile (its run started late) stays
 * CANCELLED. Returns the status the batch holds afterwards.
 */
export async function writeBatchOutcome(db: Queryable, batchId: string, outcome: BatchOutcomeWrite): Promise<RunBatchStatus> {
  // With the pool, a transaction of its own: the status and its batch.finished event are written together.
  if (db instanceof Pool) return inTransaction(db, (tx) => writeBatchOutcomeIn(tx, batchId, outcome));
  return writeBatchOutcomeIn(db, batchId, outcome);
}

type BatchOutcomeWrite = { attempt: number; status: BatchEndStatus; counts: RowCounts; isSuccess: boolean; stopReason: StopReason | null };

async function writeBatchOutcomeIn(tx: PgTransaction, batchId: string, outcome: BatchOutcomeWrite): Promise<RunBatchStatus> {
  const written = await tx.query<FinishedBatchRow>(
    `UPDATE t_batch_action SET status = $2, counters = $3, is_success = $4, is_downloadable = true,
            finished_at = COALESCE(finished_at, now()),
            ext_fields = CASE WHEN $5::jsonb IS NULL THEN ext_fields - 'stop_reason' ELSE ext_fields || jsonb_build_object('stop_reason', $5::jsonb) END
      WHERE id = $1 AND status = ANY($6) AND ${CURRENT_ATTEMPT} = $7
      RETURNING ${FINISHED_BATCH_COLUMNS}`,
    [
      batchId,
      outcome.status,
      JSON.stringify(outcome.counts),
      outcome.isSuccess,
      outcome.stopReason ? JSON.stringify(outcome.stopReason) : null,
      [...unfinishedBatchStatuses],
      outcome.attempt,
    ],
  );
  if (written.rows[0]) {
    await announceBatchFinished(tx, written.rows[0]);
    return written.rows[0].status;
  }
  const { rows } = await tx.query<{ status: RunBatchStatus }>('SELECT status FROM t_batch_action WHERE id = $1', [batchId]);
  return rows[0]!.status;
}

interface FinishedBatchRow {
  id: string;
  tenant_id: string;
  status: RunBatchStatus;
  is_success: boolean | null;
  counters: Record<string, unknown>;
  finished_at: Date;
}
const FINISHED_BATCH_COLUMNS = 'id, tenant_id, status, is_success, counters, finished_at';

/** batch.finished, in the transaction that gave the batch its final status. */
async function announceBatchFinished(tx: PgTransaction, batch: FinishedBatchRow): Promise<void> {
  await announceWebhookEvent(tx, {
    tenantId: batch.tenant_id,
    type: 'batch.finished',
    data: {
      batchId: batch.id,
      status: batch.status,
      isSuccess: batch.is_success,
      counters: batch.counters,
      finishedAt: batch.finished_at.toISOString(),
    },
  });
}

/** A device's result as its batch row holds it. */
export interface RowResult {
  code: DeviceResultCode;
  message: string;
  deviceId: number | null;
}

/**
 * Locks a batch row for the transaction that works on its device: null when it is PENDING (the
 * caller now holds it), else the result already recorded (an earlier attempt, or a cancel).
 */
export async function claimPendingRow(tx: PgTransaction, { batchId, rowNumber }: BatchRowKey): Promise<RowResult | null> {
  const { rows } = await tx.query<{ status: string; result: { code: DeviceResultCode; message: string } | null; device_id: string | null }>(
    'SELECT status, result, device_id FROM t_batch_action_device WHERE batch_action_id = $1 AND row_number = $2 FOR UPDATE',
    [batchId, rowNumber],
  );
  const row = rows[0];
  if (!row) throw new Error(`batch ${batchId} has no row ${rowNumber}`);
  if (row.status === 'PENDING') return null;
  return {
    code: row.result?.code ?? (row.status === 'CANCELLED' ? 'CANCELLED' : 'INTERNAL_ERROR'),
    message: row.result?.message ?? `row is ${row.status}`,
    deviceId: row.device_id === null ? null : Number(row.device_id),
  };
}

/** The inventory columns a row's file gave (seed 001), for the device the row creates. */
export async function rowInventoryFields(
  db: Queryable,
  { batchId, rowNumber }: BatchRowKey,
): Promise<{ imei2: string | null; deviceType: string | null; provisionType: string | null }> {
  const { rows } = await db.query<{ imei2: string | null; device_type: string | null; provision_type: string | null }>(
    `SELECT ext_fields->>'imei2' AS imei2, ext_fields->>'device_type' AS device_type, ext_fields->>'provision_type' AS provision_type
       FROM t_batch_action_device WHERE batch_action_id = $1 AND row_number = $2`,
    [batchId, rowNumber],
  );
  const row = rows[0];
  return { imei2: row?.imei2 ?? null, deviceType: row?.device_type ?? null, provisionType: row?.provision_type ?? null };
}

/**
 * Writes a device's result into its row, unless the row already has one. An INTERNAL_ERROR's message
 * (a driver's or Temporal's text) is stored as which part kept failing and what to do: rows are read
 * by callers (device pages, the results CSV); the text itself stays in the workflow's history.
 */
export async function writeRowResult(db: Queryable, { batchId, rowNumber }: BatchRowKey, result: RowResult): Promise<void> {
  const status = result.code === 'OK' ? 'SUCCEEDED' : result.code === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
  const message = result.code === 'INTERNAL_ERROR' ? internalErrorMessage(result.message) : result.message;
  await db.query(
    `UPDATE t_batch_action_device SET status = $2, is_success = $3, result = $4, device_id = COALESCE($5, device_id), finished_at = now()
      WHERE batch_action_id = $6 AND row_number = $1 AND status = 'PENDING'`,
    [rowNumber, status, result.code === 'OK', JSON.stringify({ code: result.code, message }), result.deviceId, batchId],
  );
}
