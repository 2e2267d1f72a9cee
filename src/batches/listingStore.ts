// The caller's batches, newest first (GET /v1/batches): filters on status, mode and creation time,
// keyset pages over (created_at, id) so a page never skips or repeats a batch while others are added; each
// batch with its rows counted by status in the same query (a finished batch's from its stored counters).
import { Pool } from 'pg';
import { AssignmentMode, BatchStatus } from './modes';
import { BatchRecord, toBatchRecord } from './store';

export interface BatchListFilter {
  tenantIds: string[];
  status: BatchStatus | null;
  mode: AssignmentMode | null;
  /** Inclusive. */
  createdFrom: Date | null;
  /** Exclusive. */
  createdTo: Date | null;
}

/** Where the previous page ended: the last batch's creation time in microseconds and its id. */
export interface BatchListPosition {
  createdMicros: string;
  id: string;
}

/** A listed batch and how many of its rows are in each status (PENDING, SUCCEEDED, FAILED…). */
interface ListedBatch {
  batch: BatchRecord;
  rowsByStatus: Record<string, number>;
}

export interface BatchListPage {
  batches: ListedBatch[];
  /** Null on the last page. */
  next: BatchListPosition | null;
}

/** A finished batch keeps its rows' counts (writeBatchOutcome); a batch cancelled before it ran has none. */
const HAS_STORED_COUNTS = `(page.finished_at IS NOT NULL AND page.status <> 'RUNNING' AND COALESCE(jsonb_typeof(page.counters->'byStatus') = 'object', false))`;

export async function listBatches(
  pool: Pool,
  filter: BatchListFilter,
  after: BatchListPosition | null,
  limit: number,
): Promise<BatchListPage> {
  // created_at keeps microseconds, a JS Date only milliseconds: the position carries the exact value. The page
  // is cut first; only its unfinished batches (or finished ones without stored counters) count their rows.
  const { rows } = await pool.query(
    `WITH page AS (
       SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_micros FROM t_batch_action
        WHERE tenant_id = ANY($1)
          AND ($2::text IS NULL OR status = $2)
          AND ($3::text IS NULL OR ext_fields->>'mode' = $3)
          AND ($4::timestamptz IS NULL OR created_at >= $4)
          AND ($5::timestamptz IS NULL OR created_at < $5)
          AND ($6::bigint IS NULL OR (created_at, id) < (to_timestamp(0) + $6::bigint * interval '1 microsecond', $7::uuid))
        ORDER BY created_at DESC, id DESC
        LIMIT $8
     )
     SELECT page.*, CASE WHEN ${HAS_STORED_COUNTS} THEN page.counters->'byStatus' ELSE COALESCE(counted.by_status, '{}') END AS rows_by_status
       FROM page
       LEFT JOIN LATERAL (
         SELECT jsonb_object_agg(per_status.status, per_status.n) AS by_status
           FROM (SELECT d.status, count(*) AS n FROM t_batch_action_device d
                  WHERE d.batch_action_id = page.id AND NOT (${HAS_STORED_COUNTS}) GROUP BY d.status) AS per_status
       ) AS counted ON true
      ORDER BY page.created_at DESC, page.id DESC`,
    [
      filter.tenantIds,
      filter.status,
      filter.mode,
      filter.createdFrom,
      filter.createdTo,
      after?.createdMicros ?? null,
      after?.id ?? null,
      limit + 1,
    ],
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    batches: page.map((row) => ({ batch: toBatchRecord(row), rowsByStatus: row.rows_by_status })),
    next: rows.length > limit && last ? { createdMicros: last.created_micros, id: last.id } : null,
  };
}

/**
 * What an operator's dashboard shows of the batches: the RUNNING ones, each with how many of its devices are still
 * to do (by id, so the API can tell one that stopped making progress; no metric label ever carries it).
 */
export async function runningBatchPending(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ id: string; pending: number }>(
    `SELECT b.id, (SELECT count(*) FROM t_batch_action_device d WHERE d.batch_action_id = b.id AND d.status = 'PENDING')::int AS pending
       FROM t_batch_action b WHERE b.status = 'RUNNING'`,
  );
  return new Map(rows.map((r) => [r.id, r.pending]));
}
