// GET /v1/batches: one page of the caller's batches across its tenant tree, newest first, each with its rows by
// status (what its outcome bar shows, read in the same query), and the opaque cursor of the next page (the
// listing's keyset position, base64url).
import type { Pool } from 'pg';
import { BatchListFilter, BatchListPosition, listBatches } from './listingStore';
import { batchSummary } from './runs';
import { BATCH_ID_PATTERN } from './store';
import type { AppConfig } from '../platform/config';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export async function listCallerBatches(
  deps: { pool: Pool; config: AppConfig },
  caller: Caller,
  filter: Omit<BatchListFilter, 'tenantIds'>,
  after: BatchListPosition | null,
  limit: number,
) {
  const page = await listBatches(deps.pool, { tenantIds: caller.tenantTree, ...filter }, after, limit);
  return {
    batches: page.batches.map(({ batch, rowsByStatus }) => ({
      ...batchSummary(deps.config, batch),
      progress: progressOf(rowsByStatus),
      countersByStatus: rowsByStatus,
    })),
    nextCursor: page.next ? cursorOf(page.next) : null,
  };
}

function progressOf(rowsByStatus: Record<string, number>) {
  const total = Object.values(rowsByStatus).reduce((sum, n) => sum + n, 0);
  const pending = rowsByStatus.PENDING ?? 0;
  return { total, done: total - pending, pending };
}

/** Microseconds since 1970 of 9999-12-31T23:59:59.999999Z: a later position is no batch's and would overflow a timestamp. */
const LATEST_MICROS = 253_402_300_799_999_999n;

/** The position a page's `nextCursor` names; null (from the newest) without one. */
export function positionOfCursor(cursor: string | undefined): BatchListPosition | null {
  if (cursor === undefined) return null;
  const match = /^(\d{1,18})\.(.{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || BigInt(match[1]!) > LATEST_MICROS || !BATCH_ID_PATTERN.test(match[2]!)) {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      'cursor must be a value from nextCursor (as given in links.next); leave it out for the first page',
    );
  }
  return { createdMicros: match[1]!, id: match[2]! };
}

function cursorOf(position: BatchListPosition): string {
  return Buffer.from(`${position.createdMicros}.${position.id}`).toString('base64url');
}
