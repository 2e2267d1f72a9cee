// The rows of a received upload (src/batches/upload), read from its temporary file, checked and
// marked as they go: an invalid device UID or one seen earlier in the file is refused row by row;
// a file that is not CSV, has no deviceUid/imei header, no rows or too many is refused whole.
import { CsvError } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { StagedRow } from './uploadStore';
import { checkDeviceUid, isDeviceTypeName } from '../devices/contract';
import type { UploadLimits, UploadSpool } from './upload';
import { csvRecords } from './csvRecords';
import { ProblemError } from '../platform/http/problem';
import { SeenDeviceUids } from './seenUids';

const UID_COLUMNS = ['deviceuid', 'imei'];

/**
 * The upload's rows in file order, in batches; throws a ProblemError when the upload is refused.
 * `rowsAtMost` (from receiveCsvBody) bounds the number of rows.
 */
export async function* uploadRows(spool: UploadSpool, rowsAtMost: number, limits: UploadLimits): AsyncGenerator<StagedRow[]> {
  const seen = new SeenDeviceUids(Math.min(rowsAtMost, limits.maxRows));
  let columns: HeaderColumns | null = null;
  let total = 0;
  try {
    for await (const records of csvRecords(textOf(spool))) {
      const rows: StagedRow[] = [];
      for (const record of records) {
        if (!columns) {
          columns = headerColumns(record);
          continue;
        }
        total += 1;
        if (total > limits.maxRows) throw new ProblemError(413, 'PAYLOAD_TOO_LARGE', `the file has more than ${limits.maxRows} rows`);
        const raw = record[columns.uid] ?? '';
        const imei2 = cell(record, columns.imei2);
        const deviceType = cell(record, columns.deviceType)?.toUpperCase() ?? null;
        const provisionType = cell(record, columns.provisionType);
        const check = checkDeviceUid(raw);
        const uid = check.ok ? check.uid : raw.trim().slice(0, 64);
        const rejection = !check.ok
          ? { code: 'INVALID_DEVICE_UID', message: check.reason }
          : seen.seenBefore(uid)
            ? { code: 'DUPLICATE_IN_FILE', message: `device ${uid} already appears earlier in the file` }
            : deviceType !== null && !isDeviceTypeName(deviceType)
              ? { code: 'INVALID_DEVICE_TYPE', message: `deviceType must be SMARTPHONE or TABLET, not "${deviceType.slice(0, 40)}"` }
              : null;
        rows.push({ rowNumber: total, uid, imei2, deviceType, provisionType, rejection });
      }
      if (rows.length > 0) yield rows;
    }
  } catch (err) {
    if (err instanceof CsvError) throw new ProblemError(400, 'VALIDATION_FAILED', `the body is not a readable CSV file: ${err.message}`);
    throw err;
  }
  if (!columns)
    throw new ProblemError(400, 'VALIDATION_FAILED', 'the file is empty: expected a header line naming a deviceUid (or imei) column');
  if (total === 0) throw new ProblemError(400, 'VALIDATION_FAILED', 'the file has a header but no device rows');
}

/** Reads all the rows, storing nothing: throws what uploadRows throws for a refused upload. */
export async function checkUploadRows(spool: UploadSpool, rowsAtMost: number, limits: UploadLimits): Promise<void> {
  const rows = uploadRows(spool, rowsAtMost, limits);
  while (!(await rows.next()).done);
}

/** The spool's text (checked UTF-8 when received), without a BOM. */
async function* textOf(spool: UploadSpool): AsyncGenerator<string> {
  let first = true;
  for await (const chunk of createReadStream(spool.path, { encoding: 'utf8' }) as AsyncIterable<string>) {
    yield first && chunk.startsWith('\uFEFF') ? chunk.slice(1) : chunk;
    first = false;
  }
}

/** Where the header puts each column (-1: absent). */
interface HeaderColumns {
  uid: number;
  imei2: number;
  deviceType: number;
  provisionType: number;
}

function cell(record: string[], column: number): string | null {
  return column >= 0 ? record[column]?.trim() || null : null;
}

function headerColumns(header: string[]): HeaderColumns {
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
  return { uid, imei2: names.indexOf('imei2'), deviceType: names.indexOf('devicetype'), provisionType: names.indexOf('provisiontype') };
}
