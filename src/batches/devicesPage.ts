// GET /v1/batches/:id/devices: one page of a batch's per-device results in row order, filtered by row status
// result code and device UID prefix, and the cursor of the next page.
import type { Pool } from 'pg';
import { BatchRecord, batchResultsPage } from './store';

export interface DevicesPageRequest {
  status: string | null;
  code: string | null;
  /** Only rows whose device UID starts with this. */
  uidPrefix: string | null;
  /** The row number the page starts after (0: from the first row). */
  afterRowNumber: number;
  limit: number;
}

export async function batchDevicesPage({ pool }: { pool: Pool }, batch: BatchRecord, request: DevicesPageRequest) {
  const { status, code, uidPrefix, afterRowNumber, limit } = request;
  const rows = await batchResultsPage(pool, batch.id, { afterRowNumber, status, code, uidPrefix }, limit + 1);
  const devices = rows.slice(0, limit);
  const nextCursor = rows.length > limit ? String(devices[devices.length - 1]!.rowNumber) : null;
  return { batchId: batch.id, devices, nextCursor };
}
