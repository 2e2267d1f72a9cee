// Previews expire (SPEC §9): a PREVIEW batch older than BATCH_PREVIEW_TTL_MS (24 h) is discarded with its rows by a
// sweep every API process runs; a discard is guarded in the store (only a batch still PREVIEW), so several may run.
import type { Pool } from 'pg';
import type { Logger } from '../platform/logger';
import { startSweep } from '../platform/sweep';
import { discardPreview, findExpiredPreviews } from './previewStore';

/** Discards up to `limit` previews stored more than `ttlMs` ago; returns how many. */
export async function discardExpiredPreviews(pool: Pool, ttlMs: number, limit = 100): Promise<number> {
  let discarded = 0;
  for (const batchId of await findExpiredPreviews(pool, ttlMs, limit)) {
    if (await discardPreview(pool, batchId)) discarded += 1;
  }
  return discarded;
}

/** Sweeps every `intervalMs` (a minute by default) until stopped. */
export function startPreviewExpiry(deps: { pool: Pool; log: Logger }, options: { ttlMs: number; intervalMs?: number }): { stop(): void } {
  return startSweep(deps.log, {
    round: () => discardExpiredPreviews(deps.pool, options.ttlMs),
    intervalMs: options.intervalMs ?? 60_000,
    done: 'preview expiry: discarded previews older than BATCH_PREVIEW_TTL_MS',
    failed: 'preview expiry: sweep failed; trying again next round',
  });
}
