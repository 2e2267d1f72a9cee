// GET /v1/batches/:id/results.csv: the batch's per-device results streamed page by page, with
// cells that a spreadsheet would read as a formula neutralised (CSV injection).
import { Response } from 'express';
import type { Pool } from 'pg';
import { batchResultsPage } from './store';

const PAGE = 5000;
const HEADER = ['rowNumber', 'deviceUid', 'status', 'code', 'message', 'finishedAt'];

export async function streamResultsCsv(pool: Pool, batchId: string, res: Response): Promise<void> {
  res.status(200).type('text/csv; charset=utf-8').attachment(`batch-${batchId}-results.csv`);
  res.write(csvLine(HEADER));
  let after = 0;
  for (;;) {
    const rows = await batchResultsPage(pool, batchId, { afterRowNumber: after, status: null, code: null, uidPrefix: null }, PAGE);
    if (rows.length === 0) break;
    const text = rows
      .map((r) =>
        csvLine([
          String(r.rowNumber),
          r.deviceUid,
          r.status,
          r.code ?? '',
          r.message ?? '',
          r.finishedAt ? new Date(r.finishedAt).toISOString() : '',
        ]),
      )
      .join('');
    after = rows[rows.length - 1]!.rowNumber;
    if (res.destroyed) return;
    if (!res.write(text)) await new Promise((resolve) => (res.once('drain', resolve), res.once('close', resolve)));
  }
  res.end();
}

function csvLine(cells: string[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** Quotes when needed; a cell starting with = + - @ tab or CR is prefixed with ' so it stays text. */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
