// The API's Prometheus metrics (GET /metrics): requests by route and status with their latency, uploads, check-in
// answers by directive with their latency, failed authentications, live-progress streams (open, refused) and pollers, the batch reconciler's
// actions, and the figures an operator asks about (batches running, devices pending, the longest a running batch
// has gone without progress, locks by status, how far locks are past their end), read from the stores when
// scraped. One registry per app, so tests build as many apps as they like. The gateway's commands are counted where
// they are sent, in the worker (do_gateway_commands, src/tempLocks/activities.ts).
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { runningBatchPending } from '../../batches/useCases';
import { tempLockFigures } from '../../tempLocks/useCases';
import { TempLockStatus, TempLockStatuses } from '../../tempLocks/contract';

const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Running lock statuses whose distance past the lock's end is a gauge: an unlock overdue shows there. */
const PAST_END_STATUSES: readonly TempLockStatus[] = ['ACTIVATED', 'DEACTIVATING'];

/**
 * Tells, from successive readings of the running batches' pending devices, the longest any batch with devices
 * still pending has gone without one of them finishing. A batch first seen counts from then, so after an API
 * restart a stall shows again only after its own length.
 */
export class BatchProgressWatch {
  private readonly lastChange = new Map<string, { pending: number; at: number }>();

  /** `pending`: every RUNNING batch's pending devices; returns seconds (0 when every such batch is moving). */
  observe(pending: Map<string, number>, now: number): number {
    for (const id of this.lastChange.keys()) if (!pending.has(id)) this.lastChange.delete(id);
    let longestMs = 0;
    for (const [id, count] of pending) {
      const seen = this.lastChange.get(id);
      if (seen === undefined || seen.pending !== count) this.lastChange.set(id, { pending: count, at: now });
      else if (count > 0) longestMs = Math.max(longestMs, now - seen.at);
    }
    return longestMs / 1000;
  }
}

export interface ApiMetrics {
  registry: Registry;
  requests: Histogram<'method' | 'route' | 'status'>;
  checkIns: Histogram<'directive'>;
  uploadRows: Counter;
  uploadBytes: Counter;
  authFailures: Counter<'reason'>;
  liveProgressClients: Gauge;
  liveProgressPollers: Gauge;
  liveStreamsRefused: Counter<'limit'>;
  reconcilerActions: Counter<'action'>;
}

export function createApiMetrics(pool: Pool): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'do_api_' });
  const metrics: ApiMetrics = {
    registry,
    requests: new Histogram({
      name: 'do_api_request_duration_seconds',
      help: 'HTTP requests by route (its pattern, not the URL) and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS_S,
      registers: [registry],
    }),
    checkIns: new Histogram({
      name: 'do_check_in_duration_seconds',
      help: 'Device check-ins answered, by the directive the device was told',
      labelNames: ['directive'],
      buckets: LATENCY_BUCKETS_S,
      registers: [registry],
    }),
    uploadRows: new Counter({ name: 'do_upload_rows_total', help: 'CSV rows stored by accepted uploads', registers: [registry] }),
    uploadBytes: new Counter({ name: 'do_upload_bytes_total', help: 'Bytes of CSV received by accepted uploads', registers: [registry] }),
    authFailures: new Counter({
      name: 'do_auth_failures_total',
      help: 'Requests refused for their API key (missing, unknown, revoked, or too many failures from one address)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    liveProgressClients: new Gauge({
      name: 'do_live_progress_clients',
      help: 'Open live-progress streams (GET /v1/batches/:id/events)',
      registers: [registry],
    }),
    liveProgressPollers: new Gauge({
      name: 'do_live_progress_pollers',
      help: 'Batches whose progress this process reads for its open live-progress streams (one read per batch and interval, however many streams watch it)',
      registers: [registry],
    }),
    liveStreamsRefused: new Counter({
      name: 'do_live_streams_refused_total',
      help: 'Live-progress streams refused with 429, by the limit reached (per_key, per_process)',
      labelNames: ['limit'],
      registers: [registry],
    }),
    reconcilerActions: new Counter({
      name: 'do_batch_reconciler_actions_total',
      help: 'What the batch reconciler did to batches whose workflow was not running',
      labelNames: ['action'],
      registers: [registry],
    }),
  };
  // Read from the stores when scraped; the batch figures come from one query per scrape, and so do the locks'.
  const progress = new BatchProgressWatch();
  const once = <T>(read: () => Promise<T>) => {
    let last: { at: number; value: Promise<T> } | null = null;
    return () => {
      if (last === null || Date.now() - last.at > 1000) last = { at: Date.now(), value: read() };
      return last.value;
    };
  };
  const runningBatches = once(async () => {
    const pending = await runningBatchPending(pool);
    let devicesPending = 0;
    for (const count of pending.values()) devicesPending += count;
    return { running: pending.size, devicesPending, stalledSeconds: progress.observe(pending, Date.now()) };
  });
  const locks = once(() => tempLockFigures(pool));
  new Gauge({
    name: 'do_batches_running',
    help: 'Batches RUNNING',
    registers: [registry],
    async collect() {
      this.set((await runningBatches()).running);
    },
  });
  new Gauge({
    name: 'do_batch_devices_pending',
    help: 'Devices still PENDING in RUNNING batches',
    registers: [registry],
    async collect() {
      this.set((await runningBatches()).devicesPending);
    },
  });
  new Gauge({
    name: 'do_batch_stalled_seconds',
    help: 'The longest a RUNNING batch with devices pending has gone without one of them finishing, as this API process saw it (0: none)',
    registers: [registry],
    async collect() {
      this.set((await runningBatches()).stalledSeconds);
    },
  });
  new Gauge({
    name: 'do_temp_locks',
    help: "Devices by their newest temp lock's status",
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { byStatus } = await locks();
      for (const status of TempLockStatuses) this.set({ status }, byStatus[status] ?? 0);
    },
  });
  new Gauge({
    name: 'do_temp_lock_past_end_seconds',
    help: 'By status, how far past its end the running lock furthest past it is (0: none); ACTIVATED past its end means its unlock has not started',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const { pastEndSeconds } = await locks();
      for (const status of PAST_END_STATUSES) this.set({ status }, pastEndSeconds[status] ?? 0);
    },
  });
  return metrics;
}
