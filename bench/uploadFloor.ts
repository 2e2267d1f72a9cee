// The floors an upload is measured against (bench:batch --upload-only): the same rows COPYed into the same
// database with nothing else in the way — no HTTP, no CSV parsing, no validation — twice: into the batch-row table
// itself (what its keys and indexes cost), and into a plain table of the same columns without any index, key or
// constraint (the physical floor: what writing the rows and their WAL costs at all). Each in one transaction with
// its batch row, the commit included, like an upload.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export interface UploadFloor {
  /** COPY into t_batch_action_device. */
  tableMs: number;
  /** COPY into a plain table of the same columns (no index, key or constraint). */
  plainMs: number;
}

const COLUMNS = 'batch_action_id, tenant_id, device_uid, row_number, status, is_success, result, ext_fields, finished_at';
const PLAIN_TABLE = 'bench_upload_floor_rows';

export async function measureUploadFloor(pool: Pool, tenantId: string, uids: string[]): Promise<UploadFloor> {
  const copyRows = (table: string) => async (client: PoolClient, batchId: string) => {
    await pipeline(Readable.from(copyLines(batchId, tenantId, uids)), client.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN`)));
  };
  await pool.query(`DROP TABLE IF EXISTS ${PLAIN_TABLE}`);
  // A logged table like the real one (WAL included), with its columns and defaults only.
  await pool.query(`CREATE TABLE ${PLAIN_TABLE} (LIKE t_batch_action_device INCLUDING DEFAULTS)`);
  try {
    const tableMs = await timedInsert(pool, tenantId, 't_batch_action_device', copyRows('t_batch_action_device'));
    const plainMs = await timedInsert(pool, tenantId, PLAIN_TABLE, copyRows(PLAIN_TABLE));
    return { tableMs, plainMs };
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${PLAIN_TABLE}`);
  }
}

/** The rows as COPY text, 10,000 lines a chunk (a million rows never sit in one string). */
function* copyLines(batchId: string, tenantId: string, uids: string[]): Generator<string> {
  for (let start = 0; start < uids.length; start += 10_000) {
    let chunk = '';
    for (let i = start; i < Math.min(start + 10_000, uids.length); i++) {
      chunk += `${batchId}\t${tenantId}\t${uids[i]}\t${i + 1}\tPENDING\t\\N\t\\N\t{}\t\\N\n`;
    }
    yield chunk;
  }
}

async function timedInsert(
  pool: Pool,
  tenantId: string,
  table: string,
  insertRows: (client: PoolClient, batchId: string) => Promise<void>,
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
    await client.query(`DELETE FROM ${table} WHERE batch_action_id = $1`, [batchId]);
    await client.query('DELETE FROM t_batch_action WHERE id = $1', [batchId]);
    return ms;
  } finally {
    client.release();
  }
}
