// The caller's batches, newest first (GET /v1/batches): filters on status, mode and creation time,
// keyset pages over (created_at, id) so a page never skips or repeats a batch while others are added.
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

export interface BatchListPage {
  batches: BatchRecord[];
  /** Null on the last page. */
  next: BatchListPosition | null;
}

export async function listBatches(
  pool: Pool,
  filter: BatchListFilter,
  after: BatchListPosition | null,
  limit: number,
): Promise<BatchListPage> {
  // created_at keeps microseconds, a JS Date only milliseconds: the position carries the exact value.
  const { rows } = await pool.query(
    `SELECT *, (extract(epoch FROM created_at) * 1000000)::bigint::text AS created_micros FROM t_batch_action
      WHERE tenant_id = ANY($1)
        AND ($2::text IS NULL OR status = $2)
        AND ($3::text IS NULL OR ext_fields->>'mode' = $3)
        AND ($4::timestamptz IS NULL OR created_at >= $4)
        AND ($5::timestamptz IS NULL OR created_at < $5)
        AND ($6::bigint IS NULL OR (created_at, id) < (to_timestamp(0) + $6::bigint * interval '1 microsecond', $7::uuid))
      ORDER BY created_at DESC, id DESC
      LIMIT $8`,
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
    batches: page.map(toBatchRecord),
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
