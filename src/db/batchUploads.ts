// New batches from CSV uploads. While the client sends, rows are staged to a temporary file (no
// database connection is held, however slowly the bytes come); then the batch row and all its rows
// are written in one short transaction, the rows with COPY: the whole upload is stored or nothing.
import { createReadStream, createWriteStream, WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DatabaseError, Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BatchRecord, findBatchByIdempotencyKey, toBatchRecord } from './batchStore';
import { inTransaction } from './postgres';

export interface StagedRow {
  rowNumber: number;
  uid: string;
  imei2: string | null;
  /** Set for a row refused at upload (INVALID_DEVICE_UID, DUPLICATE_IN_FILE): stored FAILED at once. */
  rejection: { code: string; message: string } | null;
}

/** Rows of one upload written to a temporary file in COPY text format, in file order. */
export interface RowStaging {
  readonly batchId: string;
  add(row: StagedRow): void;
  /** Resolves once the file has taken what was added so far: call it between batches of rows. */
  written(): Promise<void>;
  /** Flushes and closes the file; the rows are ready for createBatchWithRows. */
  finish(): Promise<void>;
  /** Removes the file (after the batch is stored, or when the upload is refused). */
  discard(): Promise<void>;
  /** The finished file's rows, as COPY reads them. */
  read(): Readable;
}

export interface NewBatch {
  id: string;
  tenantId: string;
  createdBy: string;
  idempotencyKey: string | null;
  extFields: Record<string, unknown>;
}

const COPY_COLUMNS = 'batch_action_id, tenant_id, device_uid, row_number, status, is_success, result, ext_fields, finished_at';
/** Lines are written in blocks of about this many characters: one write per block, not per row. */
const BLOCK_CHARS = 64 * 1024;

export async function stageRows(batchId: string, tenantId: string): Promise<RowStaging> {
  const dir = await mkdtemp(join(tmpdir(), 'batch-upload-'));
  const path = join(dir, 'rows.copy');
  const file: WriteStream = createWriteStream(path);
  const prefix = `${copyText(batchId)}\t${copyText(tenantId)}\t`;
  const stagedAt = new Date().toISOString();
  let block = '';
  // A write that fails (disk full) fails the upload at its next written() or finish(), and a write
  // still in flight when the upload is discarded fails harmlessly.
  let failure: Error | null = null;
  file.on('error', (err) => (failure ??= err));

  const flush = () => {
    if (block !== '') file.write(block);
    block = '';
  };
  return {
    batchId,
    add(row) {
      const r = row.rejection;
      block +=
        prefix +
        `${copyText(row.uid)}\t${row.rowNumber}\t` +
        (r ? `FAILED\tf\t${copyText(JSON.stringify({ code: r.code, message: r.message }))}\t` : 'PENDING\t\\N\t\\N\t') +
        (row.imei2 === null ? '{}' : copyText(JSON.stringify({ imei2: row.imei2 }))) +
        `\t${r ? stagedAt : '\\N'}\n`;
      if (block.length >= BLOCK_CHARS) flush();
    },
    async written() {
      if (failure) throw failure;
      if (file.writableNeedDrain) await once(file, 'drain');
    },
    async finish() {
      flush();
      file.end();
      await once(file, 'close');
      if (failure) throw failure;
    },
    async discard() {
      file.destroy();
      await rm(dir, { recursive: true, force: true });
    },
    read: () => createReadStream(path),
  };
}

/**
 * Writes the batch (status CREATED) and its staged rows in one transaction. With an idempotency key
 * another upload already stored, nothing is written and that batch is returned (`created: false`).
 */
export async function createBatchWithRows(
  pool: Pool,
  batch: NewBatch,
  rows: RowStaging,
): Promise<{ batch: BatchRecord; created: boolean }> {
  if (rows.batchId !== batch.id) throw new Error(`rows staged for batch ${rows.batchId}, not ${batch.id}`);
  try {
    const created = await inTransaction(pool, async (client) => {
      const inserted = await client.query(
        `INSERT INTO t_batch_action (id, tenant_id, created_by, upload_channel, idempotency_key, ext_fields, status)
         VALUES ($1, $2, $3, 'API', $4, $5, 'CREATED') RETURNING *`,
        [batch.id, batch.tenantId, batch.createdBy, batch.idempotencyKey, JSON.stringify(batch.extFields)],
      );
      await pipeline(rows.read(), client.query(copyFrom(`COPY t_batch_action_device (${COPY_COLUMNS}) FROM STDIN`)));
      return toBatchRecord(inserted.rows[0]);
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

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!)
    : value;
}
