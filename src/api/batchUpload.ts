// The CSV upload of POST /v1/batches (SPEC §3): receives the file (multipart `file` or a text/csv
// body) as a stream, parses it with csv-parse, validates each row and writes rows in bulk chunks
// inside ONE transaction with the batch row, so a refused upload (400/413/415, or 503 when the API
// shuts down mid-upload) stores nothing.
// Memory stays flat in file size: duplicates are found by the unique index, not a Set in memory.
import busboy from 'busboy';
import { parse } from 'csv-parse';
import { Request } from 'express';
import { PoolClient } from 'pg';
import { Readable, Transform, pipeline } from 'node:stream';
import { checkDeviceUid } from '../domain/deviceUid';
import { shuttingDown } from './drain';
import { ProblemError } from './problem';

export interface UploadLimits {
  maxBytes: number;
  maxRows: number;
}

export interface ReceivedCsv {
  /** Multipart form fields that came before the file part. */
  fields: Record<string, string>;
  stream: Readable;
  fileName: string | null;
}

export interface StoredRows {
  total: number;
  accepted: number;
  rejected: number;
}

const CHUNK_ROWS = 5000;
const UID_COLUMNS = ['deviceuid', 'imei'];

/** Finds the CSV in the request without reading it: the caller validates parameters first. */
export function receiveCsv(req: Request, limits: UploadLimits): Promise<ReceivedCsv> {
  const contentType = (req.get('content-type') ?? '').toLowerCase();
  const declaredLength = Number(req.get('content-length') ?? NaN);
  if (declaredLength > limits.maxBytes + 64 * 1024) {
    return Promise.reject(tooLarge(limits));
  }
  if (contentType.startsWith('text/csv')) return Promise.resolve({ fields: {}, stream: req, fileName: null });
  if (!contentType.startsWith('multipart/form-data')) {
    return Promise.reject(
      new ProblemError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `send the CSV as multipart/form-data (field "file") or as a text/csv body, not ${contentType || 'no content type'}`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch (err) {
      reject(new ProblemError(400, 'VALIDATION_FAILED', `malformed multipart body: ${(err as Error).message}`));
      return;
    }
    const fields: Record<string, string> = {};
    let found = false;
    parser.on('field', (name, value) => {
      if (!found) fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || found) {
        stream.resume();
        return;
      }
      found = true;
      resolve({ fields, stream, fileName: info.filename ?? null });
    });
    parser.on('close', () => {
      if (!found) reject(new ProblemError(400, 'VALIDATION_FAILED', 'the multipart body has no "file" part'));
    });
    parser.on('error', (err) => {
      if (!found) reject(new ProblemError(400, 'VALIDATION_FAILED', `malformed multipart body: ${(err as Error).message}`));
    });
    req.pipe(parser);
  });
}

/**
 * Parses the CSV and inserts its rows for `batchId` in chunks. Throws a ProblemError (and the
 * caller's transaction is rolled back) for a missing header, no rows, too many rows or bytes, or
 * a body that is not CSV.
 */
export async function storeCsvRows(
  client: PoolClient,
  input: {
    batchId: string;
    tenantId: string;
    source: Readable;
    limits: UploadLimits;
    /** Aborted when the API's shutdown grace is over: the upload stops and the caller rolls back. */
    stop?: AbortSignal;
  },
): Promise<StoredRows> {
  const { limits } = input;
  let bytes = 0;
  const byteCounter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limits.maxBytes) done(tooLarge(limits));
      else done(null, chunk);
    },
  });
  // Any line ending, even mixed in one file (spreadsheets write CRLF, scripts append LF).
  const records = parse({
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
    max_record_size: 64 * 1024,
    record_delimiter: ['\r\n', '\n', '\r'],
  });
  // The source stays outside the pipeline: on a refusal it is drained, not destroyed, so the
  // request's connection can still carry the answer.
  input.source.pipe(byteCounter);
  pipeline(byteCounter, utf8TextOnly(), records, () => undefined);
  // Ending the parse with an error ends the loop below, however slowly the client is sending.
  const stopReceiving = () =>
    records.destroy(shuttingDown('the API is shutting down and the upload did not finish in time; nothing was stored: send it again'));
  if (input.stop?.aborted) stopReceiving();
  input.stop?.addEventListener('abort', stopReceiving);

  const stored: StoredRows = { total: 0, accepted: 0, rejected: 0 };
  let columns: { uid: number; imei2: number } | null = null;
  let chunk = newChunk();
  try {
    for await (const record of records as AsyncIterable<string[]>) {
      if (!columns) {
        columns = headerColumns(record);
        continue;
      }
      stored.total += 1;
      if (stored.total > limits.maxRows) throw new ProblemError(413, 'PAYLOAD_TOO_LARGE', `the file has more than ${limits.maxRows} rows`);
      const raw = record[columns.uid] ?? '';
      const imei2 = columns.imei2 >= 0 ? record[columns.imei2] || null : null;
      const check = checkDeviceUid(raw);
      chunk.rowNumber.push(stored.total);
      chunk.imei2.push(imei2);
      if (check.ok) {
        chunk.uid.push(check.uid);
        chunk.code.push(null);
        chunk.message.push(null);
      } else {
        chunk.uid.push(raw.trim().slice(0, 64));
        chunk.code.push('INVALID_DEVICE_UID');
        chunk.message.push(check.reason);
      }
      if (chunk.uid.length >= CHUNK_ROWS) {
        await insertChunk(client, input, chunk, stored);
        chunk = newChunk();
      }
    }
  } catch (err) {
    input.source.unpipe(byteCounter);
    input.source.resume(); // let the rest of the request drain so the answer can be sent
    if (err instanceof ProblemError) throw err;
    throw new ProblemError(400, 'VALIDATION_FAILED', `the body is not a readable CSV file: ${(err as Error).message}`);
  } finally {
    input.stop?.removeEventListener('abort', stopReceiving);
  }
  if (!columns)
    throw new ProblemError(400, 'VALIDATION_FAILED', 'the file is empty: expected a header line naming a deviceUid (or imei) column');
  if (chunk.uid.length > 0) await insertChunk(client, input, chunk, stored);
  if (stored.total === 0) throw new ProblemError(400, 'VALIDATION_FAILED', 'the file has a header but no device rows');
  return stored;
}

function headerColumns(header: string[]): { uid: number; imei2: number } {
  const names = header.map((h) => h.trim().toLowerCase());
  const uid = names.findIndex((n) => UID_COLUMNS.includes(n));
  if (uid < 0) {
    const shown = header.slice(0, 5).join(',').slice(0, 100);
    const hint = /[;\t|]/.exec(shown) ? `; the file seems to use "${/[;\t|]/.exec(shown)![0]}" as delimiter: save it with commas` : '';
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      `missing header: the first line must name a deviceUid (or imei) column; found "${shown}"${hint}`,
    );
  }
  return { uid, imei2: names.indexOf('imei2') };
}

/**
 * Passes the bytes through unchanged, refusing a body that is not UTF-8 text: a binary file (NUL
 * bytes) or another encoding (Latin-1, UTF-16) would otherwise become mangled UIDs row by row.
 */
function utf8TextOnly(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        return done(new ProblemError(400, 'VALIDATION_FAILED', `the file is binary, not CSV text (NUL byte at byte ${offset + nul + 1})`));
      }
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        return done(
          new ProblemError(
            400,
            'VALIDATION_FAILED',
            `the file is not UTF-8 text (invalid byte sequence within bytes ${offset + 1}-${offset + chunk.length}); save it as UTF-8 CSV`,
          ),
        );
      }
      offset += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      try {
        decoder.decode();
        done();
      } catch {
        done(
          new ProblemError(
            400,
            'VALIDATION_FAILED',
            'the file is not UTF-8 text (it ends inside a multi-byte character); save it as UTF-8 CSV',
          ),
        );
      }
    },
  });
}

interface RowChunk {
  rowNumber: number[];
  uid: string[];
  imei2: (string | null)[];
  code: (string | null)[];
  message: (string | null)[];
}

function newChunk(): RowChunk {
  return { rowNumber: [], uid: [], imei2: [], code: [], message: [] };
}

/** One multi-row insert; rows the unique (batch, UID) index refuses are stored as DUPLICATE_IN_FILE. */
async function insertChunk(
  client: PoolClient,
  input: { batchId: string; tenantId: string },
  chunk: RowChunk,
  stored: StoredRows,
): Promise<void> {
  const inserted = await client.query<{ row_number: number }>(
    `INSERT INTO t_batch_action_device (batch_action_id, tenant_id, device_uid, row_number, status, is_success, result, ext_fields, finished_at)
     SELECT $1, $2, r.uid, r.row_number,
            CASE WHEN r.code IS NULL THEN 'PENDING' ELSE 'FAILED' END,
            CASE WHEN r.code IS NULL THEN NULL ELSE false END,
            CASE WHEN r.code IS NULL THEN NULL ELSE jsonb_build_object('code', r.code, 'message', r.message) END,
            CASE WHEN r.imei2 IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('imei2', r.imei2) END,
            CASE WHEN r.code IS NULL THEN NULL ELSE now() END
       FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS r(row_number, uid, imei2, code, message, ord)
      ORDER BY r.ord
     ON CONFLICT DO NOTHING
     RETURNING row_number`,
    [input.batchId, input.tenantId, chunk.rowNumber, chunk.uid, chunk.imei2, chunk.code, chunk.message],
  );
  const invalid = chunk.code.filter((c) => c !== null).length;
  if (inserted.rowCount !== chunk.rowNumber.length) {
    const kept = new Set(inserted.rows.map((r) => r.row_number));
    const dupRows = chunk.rowNumber.map((_n, i) => i).filter((i) => !kept.has(chunk.rowNumber[i]!));
    await client.query(
      `INSERT INTO t_batch_action_device (batch_action_id, tenant_id, device_uid, row_number, status, is_success, result, ext_fields, finished_at)
       SELECT $1, $2, r.uid, r.row_number, 'FAILED', false,
              jsonb_build_object('code', 'DUPLICATE_IN_FILE', 'message', 'device ' || r.uid || ' already appears earlier in the file'),
              CASE WHEN r.imei2 IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('imei2', r.imei2) END, now()
         FROM unnest($3::int[], $4::text[], $5::text[]) AS r(row_number, uid, imei2)`,
      [
        input.batchId,
        input.tenantId,
        dupRows.map((i) => chunk.rowNumber[i]),
        dupRows.map((i) => chunk.uid[i]),
        dupRows.map((i) => chunk.imei2[i]),
      ],
    );
    stored.rejected += dupRows.length;
  }
  stored.rejected += invalid;
  stored.accepted = stored.total - stored.rejected;
}

function tooLarge(limits: UploadLimits): ProblemError {
  return new ProblemError(413, 'PAYLOAD_TOO_LARGE', `the file exceeds the limit of ${limits.maxBytes} bytes`);
}
