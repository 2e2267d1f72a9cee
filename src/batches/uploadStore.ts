// New batches from CSV uploads: the batch row and all its rows in one short transaction, the rows
// with COPY as the caller reads them from an upload already received: the whole upload is stored or
// nothing, and no connection waits on a client.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DatabaseError, Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BatchRecord, findBatchByIdempotencyKey, toBatchRecord } from './store';
import { inTransaction } from '../platform/db/postgres';

export interface StagedRow {
  rowNumber: number;
  uid: string;
  imei2: string | null;
  /** The inventory file's optional columns (seed 001), given to a device the row creates. */
  deviceType?: string | null;
  provisionType?: string | null;
  /** Set for a row refused at upload (INVALID_DEVICE_UID, DUPLICATE_IN_FILE): stored FAILED at once. */
  rejection: { code: string; message: string } | null;
}

interface RowCounts {
  total: number;
  accepted: number;
  rejected: number;
}

export interface NewBatch {
  id: string;
  tenantId: string;
  createdBy: string;
  idempotencyKey: string | null;
  /** CREATED (started next; the default), or PREVIEW (started only when asked: SPEC §9). */
  status?: 'CREATED' | 'PREVIEW';
  /** Called once the rows are written, with their counts. */
  extFields: (rows: RowCounts) => Record<string, unknown>;
}

const COPY_COLUMNS = 'batch_action_id, tenant_id, device_uid, row_number, status, is_success, result, ext_fields, finished_at';

/**
 * Writes the batch (status CREATED or PREVIEW) and its rows in one transaction, COPYing the rows while `rows`
 * yields them: an error thrown by `rows` (the upload is refused) rolls everything back. With an
 * idempotency key another upload already stored, nothing is written and that batch is returned
 * (`created: false`).
 */
export async function createBatchWithRows(
  pool: Pool,
  batch: NewBatch,
  rows: AsyncIterable<StagedRow[]>,
): Promise<{ batch: BatchRecord; created: boolean }> {
  try {
    const created = await inTransaction(pool, async (client) => {
      await client.query(
        `INSERT INTO t_batch_action (id, tenant_id, created_by, upload_channel, idempotency_key, status)
         VALUES ($1, $2, $3, 'API', $4, $5)`,
        [batch.id, batch.tenantId, batch.createdBy, batch.idempotencyKey, batch.status ?? 'CREATED'],
      );
      const counts: RowCounts = { total: 0, accepted: 0, rejected: 0 };
      await pipeline(
        // Two blocks ahead keep COPY busy (a block is read and formatted far faster than PostgreSQL
        // takes it) while holding little memory.
        Readable.from(copyText(batch, rows, counts), { highWaterMark: 2 }),
        client.query(copyFrom(`COPY t_batch_action_device (${COPY_COLUMNS}) FROM STDIN`)),
      );
      counts.accepted = counts.total - counts.rejected;
      const stored = await client.query(`UPDATE t_batch_action SET ext_fields = $2 WHERE id = $1 RETURNING *`, [
        batch.id,
        JSON.stringify(batch.extFields(counts)),
      ]);
      return toBatchRecord(stored.rows[0]);
    });
    return { batch: created, created: true };
  } catch (err) {
    const earlier =
      batch.idempotencyKey !== null && err instanceof DatabaseError && err.constraint === 't_batch_action_idempotency'
        ? await findBatchByIdempotencyKey(pool, batch.tenantId, batch.idempotencyKey)
        : null;
    if (!earlier) throw err;
    return { batch: earlier, created: false };
  }
}

/** The rows in COPY's text format, one block per batch of rows, counted on the way. */
async function* copyText(batch: NewBatch, rows: AsyncIterable<StagedRow[]>, counts: RowCounts): AsyncGenerator<string> {
  const prefix = `${copyValue(batch.id)}\t${copyValue(batch.tenantId)}\t`;
  const refusedAt = new Date().toISOString();
  for await (const staged of rows) {
    let block = '';
    for (const row of staged) {
      const r = row.rejection;
      if (r) counts.rejected += 1;
      block +=
        prefix +
        `${copyValue(row.uid)}\t${row.rowNumber}\t` +
        (r ? `FAILED\tf\t${copyValue(JSON.stringify({ code: r.code, message: r.message }))}\t` : 'PENDING\t\\N\t\\N\t') +
        copyValue(JSON.stringify(inventoryFieldsOf(row))) +
        `\t${r ? refusedAt : '\\N'}\n`;
    }
    counts.total += staged.length;
    if (block !== '') yield block;
  }
}

/** The row's inventory columns as its ext_fields keep them (only those the file gave). */
function inventoryFieldsOf(row: StagedRow): Record<string, string> {
  const fields: Record<string, string> = {};
  if (row.imei2) fields.imei2 = row.imei2;
  if (row.deviceType) fields.device_type = row.deviceType;
  if (row.provisionType) fields.provision_type = row.provisionType;
  return fields;
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyValue(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)
    : value;
}
