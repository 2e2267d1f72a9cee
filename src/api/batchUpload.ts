// The CSV upload of POST /v1/batches (SPEC §3): receives the file (multipart `file` or a text/csv
// body) as a stream, parses it as it arrives (src/api/csvRecords), validates each row and stages it
// (src/db/batchUploads) without touching the database: a slow client holds no connection, and a
// refused upload (400/413/415, or 503 when the API shuts down mid-upload) stores nothing.
import busboy from 'busboy';
import { createHash } from 'node:crypto';
import { Request } from 'express';
import { Readable, Transform } from 'node:stream';
import { RowStaging } from '../db/batchUploads';
import { checkDeviceUid } from '../domain/deviceUid';
import { csvRecords } from './csvRecords';
import { shuttingDown } from './drain';
import { ProblemError } from './problem';
import { SeenDeviceUids } from './seenDeviceUids';

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
 * Parses the CSV as it arrives and stages its rows. Throws a ProblemError for a missing header, no
 * rows, too many rows or bytes, or a body that is not CSV; the caller then discards the staged rows.
 */
export async function stageCsvRows(input: {
  source: Readable;
  staging: RowStaging;
  limits: UploadLimits;
  /** Aborted when the API's shutdown grace is over: the upload stops and nothing is stored. */
  stop?: AbortSignal;
}): Promise<{ rows: StoredRows; contentSha256: string }> {
  const { limits, staging } = input;
  let bytes = 0;
  const content = createHash('sha256');
  const byteCounter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      content.update(chunk);
      if (bytes > limits.maxBytes) done(tooLarge(limits));
      else done(null, chunk);
    },
  });
  // The source stays outside: on a refusal it is drained, not destroyed, so the request's
  // connection can still carry the answer.
  input.source.pipe(byteCounter);
  // Ending the bytes with an error ends the loop below, however slowly the client is sending.
  const stopReceiving = () =>
    byteCounter.destroy(shuttingDown('the API is shutting down and the upload did not finish in time; nothing was stored: send it again'));
  if (input.stop?.aborted) stopReceiving();
  input.stop?.addEventListener('abort', stopReceiving);

  const stored: StoredRows = { total: 0, accepted: 0, rejected: 0 };
  const seen = new SeenDeviceUids();
  let columns: { uid: number; imei2: number } | null = null;
  try {
    for await (const records of csvRecords(utf8Text(byteCounter))) {
      for (const record of records) {
        if (!columns) {
          columns = headerColumns(record);
          continue;
        }
        stored.total += 1;
        if (stored.total > limits.maxRows)
          throw new ProblemError(413, 'PAYLOAD_TOO_LARGE', `the file has more than ${limits.maxRows} rows`);
        const raw = record[columns.uid] ?? '';
        const imei2 = columns.imei2 >= 0 ? record[columns.imei2] || null : null;
        const check = checkDeviceUid(raw);
        const uid = check.ok ? check.uid : raw.trim().slice(0, 64);
        const rejection = !check.ok
          ? { code: 'INVALID_DEVICE_UID', message: check.reason }
          : seen.seenBefore(uid)
            ? { code: 'DUPLICATE_IN_FILE', message: `device ${uid} already appears earlier in the file` }
            : null;
        if (rejection) stored.rejected += 1;
        staging.add({ rowNumber: stored.total, uid, imei2, rejection });
      }
      await staging.written();
    }
  } catch (err) {
    input.source.unpipe(byteCounter);
    byteCounter.destroy();
    input.source.resume(); // let the rest of the request drain so the answer can be sent
    if (err instanceof ProblemError) throw err;
    throw new ProblemError(400, 'VALIDATION_FAILED', `the body is not a readable CSV file: ${(err as Error).message}`);
  } finally {
    input.stop?.removeEventListener('abort', stopReceiving);
  }
  if (!columns)
    throw new ProblemError(400, 'VALIDATION_FAILED', 'the file is empty: expected a header line naming a deviceUid (or imei) column');
  if (stored.total === 0) throw new ProblemError(400, 'VALIDATION_FAILED', 'the file has a header but no device rows');
  await staging.finish();
  stored.accepted = stored.total - stored.rejected;
  return { rows: stored, contentSha256: content.digest('hex') };
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
 * The body as text, refusing a body that is not UTF-8: a binary file (NUL bytes) or another
 * encoding (Latin-1, UTF-16) would otherwise become mangled UIDs row by row. A BOM is dropped.
 */
async function* utf8Text(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  for await (const chunk of bytes) {
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      throw new ProblemError(400, 'VALIDATION_FAILED', `the file is binary, not CSV text (NUL byte at byte ${offset + nul + 1})`);
    }
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new ProblemError(
        400,
        'VALIDATION_FAILED',
        `the file is not UTF-8 text (invalid byte sequence within bytes ${offset + 1}-${offset + chunk.length}); save it as UTF-8 CSV`,
      );
    }
    offset += chunk.length;
    if (text !== '') yield text;
  }
  try {
    decoder.decode();
  } catch {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      'the file is not UTF-8 text (it ends inside a multi-byte character); save it as UTF-8 CSV',
    );
  }
}

function tooLarge(limits: UploadLimits): ProblemError {
  return new ProblemError(413, 'PAYLOAD_TOO_LARGE', `the file exceeds the limit of ${limits.maxBytes} bytes`);
}
