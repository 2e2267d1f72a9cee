// The floor an upload is measured against (bench:batch --upload-only): the same rows inserted into
// t_batch_action_device of the same database with nothing else in the way — no HTTP, no CSV parsing,
// no validation — the fastest two ways PostgreSQL takes them: COPY, and one set-based INSERT from arrays.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export interface UploadFloor {
  copyMs: number;
  unnestMs: number;
}

/** Each way inserts the rows for a batch row of its own in one transaction, rolled back after timing. */
export async function measureUploadFloor(pool: Pool, tenantId: string, uids: string[]): Promise<UploadFloor> {
  const copyMs = await timedInsert(pool, tenantId, async (client, batchId) => {
    const lines = uids.map((uid, i) => `${batchId}\t${tenantId}\t${uid}\t${i + 1}\tPENDING\t\\N\t\\N\t{}\t\\N\n`).join('');
    await pipeline(
      Readable.from([lines]),
      client.query(
        copyFrom(
          'COPY t_batch_action_device (batch_action_id, tenant_id, device_uid, row_number, status, is_success, result, ext_fields, finished_at) FROM STDIN',
        ),
      ),
    );
  });
  const unnestMs = await timedInsert(pool, tenantId, async (client, batchId) => {
    await client.query(
      `INSERT INTO t_batch_action_device (batch_action_id, tenant_id, device_uid, row_number, status)
       SELECT $1, $2, r.uid, r.row_number, 'PENDING' FROM unnest($3::text[], $4::int[]) AS r(uid, row_number)`,
      [batchId, tenantId, uids, uids.map((_, i) => i + 1)],
    );
  });
  return { copyMs, unnestMs };
}

async function timedInsert(
  pool: Pool,
  tenantId: string,
  insertRows: (client: import('pg').PoolClient, batchId: string) => Promise<void>,
): Promise<number> {
  const client = await pool.connect();
  try {
    const batchId = randomUUID();
    const start = performance.now();
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO t_batch_action (id, tenant_id, created_by, upload_channel, status) VALUES ($1, $2, 'bench', 'API', 'CREATED')`,
      [batchId, tenantId],
    );
    await insertRows(client, batchId);
    // The same durability as an upload: the commit is part of the time; the rows are then removed.
    await client.query('COMMIT');
    const ms = performance.now() - start;
    await client.query('DELETE FROM t_batch_action_device WHERE batch_action_id = $1', [batchId]);
    await client.query('DELETE FROM t_batch_action WHERE id = $1', [batchId]);
    return ms;
  } finally {
    client.release();
  }
}
