// Batch bookkeeping in PostgreSQL (t_batch_action, t_batch_action_device): the queries shared by
// the BatchAssign activities and the batch API.
import { Pool, PoolClient } from 'pg';
import { AssignmentMode, BatchStatus } from '../domain/assignmentModes';

export interface BatchOptions {
  mode: AssignmentMode;
  workflowId: string | null;
  serviceTypeId: number | null;
  targetWorkspaceId: string;
  createMissing: boolean;
  /** Tenants whose catalogue may hold the workflow. */
  catalogueTenantIds: string[];
}

export interface BatchRecord {
  id: string;
  tenantId: string;
  createdBy: string;
  status: BatchStatus;
  options: BatchOptions;
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

export interface PendingRow {
  id: number;
  uid: string;
}

export async function findBatch(pool: Pool | PoolClient, batchId: string, tenantIds: string[]): Promise<BatchRecord | null> {
  if (!/^[0-9a-f-]{36}$/i.test(batchId)) return null;
  const { rows } = await pool.query('SELECT * FROM t_batch_action WHERE id = $1 AND tenant_id = ANY($2)', [batchId, tenantIds]);
  return rows[0] ? toBatchRecord(rows[0]) : null;
}

export async function findBatchByIdempotencyKey(pool: Pool | PoolClient, tenantId: string, key: string): Promise<BatchRecord | null> {
  const { rows } = await pool.query('SELECT * FROM t_batch_action WHERE tenant_id = $1 AND idempotency_key = $2', [tenantId, key]);
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
    options: {
      mode: ext.mode,
      workflowId: ext.workflow_id ?? ext.pending_workflow_id ?? null,
      serviceTypeId: ext.service_type_id ?? null,
      targetWorkspaceId: ext.target_workspace_id ?? row.tenant_id,
      createMissing: ext.create_missing === true,
      catalogueTenantIds: ext.catalogue_tenant_ids ?? [row.tenant_id],
    },
    extFields: ext,
    counters: row.counters ?? {},
    isSuccess: row.is_success,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    idempotencyKey: row.idempotency_key,
  };
}

export async function countRows(pool: Pool | PoolClient, batchId: string): Promise<RowCounts> {
  const { rows } = await pool.query<{ status: string; code: string | null; n: string }>(
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

/** The next PENDING rows after `afterId`, in id order: only ids and UIDs travel into the workflow. */
export async function pendingRowsPage(pool: Pool, batchId: string, afterId: number, limit: number): Promise<PendingRow[]> {
  const { rows } = await pool.query<{ id: string; device_uid: string }>(
    `SELECT id, device_uid FROM t_batch_action_device
      WHERE batch_action_id = $1 AND status = 'PENDING' AND id > $2 ORDER BY id LIMIT $3`,
    [batchId, afterId, limit],
  );
  return rows.map((r) => ({ id: Number(r.id), uid: r.device_uid }));
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
