// receiveCsvBody: the body lands unchanged in the spool with its line endings counted (\r\n once,
// also when cut between two chunks); a binary or non-UTF-8 body is refused, and a client that goes
// away mid-file does not leave the upload waiting.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { UploadSpool, createUploadSpool, receiveCsvBody } from '../../../src/batches/upload';

const limits = { maxBytes: 1024 * 1024, maxRows: 1000 };

describe('receiveCsvBody', () => {
  let spool: UploadSpool;
  beforeEach(async () => (spool = await createUploadSpool()));
  afterEach(async () => spool.discard());

  it('keeps the bytes and bounds the rows by the lines as the CSV reader counts them (a last line without a line end counts)', async () => {
    const chunks = ['deviceUid\r', '\n4901542032', '37518\r\n\r', '\r353918057412341\n\n', 'SN-ÄÖ', '-0001'].map((c) => Buffer.from(c));
    // Cut inside the two-byte "Ä" as well.
    const cut = Buffer.concat(chunks.slice(4));
    const body = await receiveCsvBody({
      source: Readable.from([...chunks.slice(0, 4), cut.subarray(0, 4), cut.subarray(4)]),
      spool,
      limits,
    });
    const bytes = Buffer.concat(chunks);
    expect(body).toEqual({ contentSha256: createHash('sha256').update(bytes).digest('hex'), rowsAtMost: 6, bytes: bytes.length });
    expect(await readFile(spool.path)).toEqual(bytes);
  });

  it.each([
    ['ends with a line end', 'deviceUid\n1\n2\n', 2],
    ['ends with \\r\\n', 'deviceUid\r\n1\r\n2\r\n', 2],
    ['ends without one', 'deviceUid\n1\n2', 2],
    ['is only a header', 'deviceUid\n', 0],
  ])('bounds the rows of a file that %s by its lines less the header', async (_what, text, rows) => {
    const body = await receiveCsvBody({ source: Readable.from([Buffer.from(text)]), spool, limits });
    expect(body.rowsAtMost).toBe(rows);
  });

  it.each([
    ['a NUL byte', [Buffer.from('deviceUid\n'), Buffer.from([0x34, 0x00])], /binary.*byte 12/],
    ['Latin-1 text', [Buffer.from('deviceUid\nSN-Caf'), Buffer.from([0xe9, 0x0a])], /not UTF-8/],
    ['a cut multi-byte character at the end', [Buffer.from('deviceUid\n'), Buffer.from([0xc3])], /ends inside a multi-byte/],
  ])('refuses %s', async (_what, chunks, detail) => {
    await expect(receiveCsvBody({ source: Readable.from(chunks), spool, limits })).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(detail),
    });
  });

  it('gives up when the client goes away before the end of the file', async () => {
    const source = new PassThrough();
    source.write('deviceUid\n490154203237518\n');
    const received = receiveCsvBody({ source, spool, limits });
    source.destroy();
    await expect(received).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/stopped before the end/) });
  });
});
