// Webhook records are kept WEBHOOK_RETENTION_MS (14 days by default): a sweep every API process runs deletes the
// events finished (DELIVERED or FAILED) longer ago, with their attempts. An event still pending is never deleted.
import type { Pool } from 'pg';
import type { Logger } from '../platform/logger';
import { startSweep } from '../platform/sweep';
import { deleteFinishedWebhookEvents } from './outboxStore';

/** Deletes, 1,000 at a time, the events finished more than `retentionMs` ago; returns how many. */
export async function deleteExpiredWebhookRecords(pool: Pool, retentionMs: number, limit = 1000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const round = await deleteFinishedWebhookEvents(pool, retentionMs, limit);
    deleted += round;
    if (round < limit) return deleted;
  }
}

/** Sweeps every `intervalMs` (an hour by default) until stopped. */
export function startWebhookRetention(deps: { pool: Pool; log: Logger }, options: { retentionMs: number; intervalMs?: number }) {
  return startSweep(deps.log, {
    round: () => deleteExpiredWebhookRecords(deps.pool, options.retentionMs),
    intervalMs: options.intervalMs ?? 3_600_000,
    done: 'webhook retention: deleted events finished longer ago than WEBHOOK_RETENTION_MS, with their attempts',
    failed: 'webhook retention: sweep failed; trying again next round',
  });
}
