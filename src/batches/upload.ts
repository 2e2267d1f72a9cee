// The CSV upload of POST /v1/batches (SPEC §3), first step: receives the file (multipart `file` or a
// text/csv body) into a temporary file without touching the database, so a slow client holds no
// connection; src/batches/uploadRows then reads its rows while they are COPYed. A refused upload
// (400/413/415, or 503 when the API shuts down mid-upload) stores nothing.
import busboy from 'busboy';
import { Request } from 'express';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { shuttingDown } from '../platform/http/drain';
import { ProblemError } from '../platform/http/problem';

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
      // busboy does not see the request end early: the file part then ends without its end too.
      req.once('close', () => {
        if (!req.readableEnded) stream.destroy();
      });
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

/** A temporary file the upload is received into: the database is touched only once all of it is here. */
export interface UploadSpool {
  readonly path: string;
  discard(): Promise<void>;
}

export async function createUploadSpool(): Promise<UploadSpool> {
  const dir = await mkdtemp(join(tmpdir(), 'batch-upload-'));
  return { path: join(dir, 'upload.csv'), discard: () => rm(dir, { recursive: true, force: true }) };
}

export interface ReceivedBody {
  contentSha256: string;
  /** The most rows the file can hold: its lines (\r\n a single line end), less the header line. */
  rowsAtMost: number;
  bytes: number;
}

/**
 * Receives the CSV into the spool, refusing it (ProblemError) when it is over the byte limit, binary
 * or not UTF-8, or when the API shuts down before the last byte; however slowly the client sends,
 * nothing else waits on it.
 */
export async function receiveCsvBody(input: {
  source: Readable;
  spool: UploadSpool;
  limits: UploadLimits;
  /** Aborted when the API's shutdown grace is over: the upload stops and nothing is stored. */
  stop?: AbortSignal;
}): Promise<ReceivedBody> {
  const inspector = new BodyInspector(input.limits);
  // The source stays outside the pipeline: on a refusal it is drained, not destroyed, so the
  // request's connection can still carry the answer.
  input.source.pipe(inspector);
  const stopReceiving = () =>
    inspector.destroy(shuttingDown('the API is shutting down and the upload did not finish in time; nothing was stored: send it again'));
  if (input.stop?.aborted) stopReceiving();
  input.stop?.addEventListener('abort', stopReceiving);
  // A client that goes away mid-file ends the source without its end: nothing more will come.
  const interrupted = () => {
    if (!input.source.readableEnded) {
      inspector.destroy(
        new ProblemError(400, 'VALIDATION_FAILED', 'the upload stopped before the end of the file; nothing was stored: send it again'),
      );
    }
  };
  input.source.once('close', interrupted);
  try {
    await pipeline(inspector, createWriteStream(input.spool.path));
  } catch (err) {
    input.source.unpipe(inspector);
    input.source.resume(); // let the rest of the request drain so the answer can be sent
    throw err;
  } finally {
    input.stop?.removeEventListener('abort', stopReceiving);
    input.source.off('close', interrupted);
  }
  return { contentSha256: inspector.sha256(), rowsAtMost: inspector.rowsAtMost(), bytes: inspector.bytes };
}

/**
 * Passes the bytes on, counting them, their line endings and their hash, and refusing a body over
 * the limit or not UTF-8 text: a binary file (NUL bytes) or another encoding (Latin-1, UTF-16)
 * would otherwise become mangled UIDs row by row.
 */
class BodyInspector extends Transform {
  lineEnds = 0;
  bytes = 0;
  private readonly content = createHash('sha256');
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private endsWithCr = false;
  private endsWithLineEnd = true;

  constructor(private readonly limits: UploadLimits) {
    super();
  }

  sha256(): string {
    return this.content.digest('hex');
  }

  /** Its lines less the header: a last line without a line end is a line too. */
  rowsAtMost(): number {
    return Math.max(0, this.lineEnds + (this.endsWithLineEnd ? 0 : 1) - 1);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const offset = this.bytes;
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBytes) return done(tooLarge(this.limits));
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      return done(new ProblemError(400, 'VALIDATION_FAILED', `the file is binary, not CSV text (NUL byte at byte ${offset + nul + 1})`));
    }
    let text: string;
    try {
      text = this.decoder.decode(chunk, { stream: true });
    } catch {
      return done(
        new ProblemError(
          400,
          'VALIDATION_FAILED',
          `the file is not UTF-8 text (invalid byte sequence within bytes ${offset + 1}-${offset + chunk.length}); save it as UTF-8 CSV`,
        ),
      );
    }
    this.content.update(chunk);
    this.countLineEnds(text);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    try {
      this.decoder.decode();
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
  }

  /** Counted in the decoded text: a string's indexOf is several times faster than a Buffer's. */
  private countLineEnds(text: string): void {
    if (text === '') return;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lineEnds += 1;
    if (this.endsWithCr && text.charCodeAt(0) === 10) this.lineEnds -= 1;
    for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) if (text.charCodeAt(i + 1) !== 10) this.lineEnds += 1;
    const last = text.charCodeAt(text.length - 1);
    this.endsWithCr = last === 13;
    this.endsWithLineEnd = last === 10 || last === 13;
  }
}

function tooLarge(limits: UploadLimits): ProblemError {
  return new ProblemError(413, 'PAYLOAD_TOO_LARGE', `the file exceeds the limit of ${limits.maxBytes} bytes`);
}
