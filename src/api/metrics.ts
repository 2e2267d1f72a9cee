// The API's Prometheus metrics (GET /metrics): requests by route and status with their latency, uploads, check-in
// answers by directive with their latency, failed authentications, live-progress clients, the batch reconciler's
// actions, and the figures an operator asks about (batches running, devices pending, locks by status), read from
// the stores when scraped. One registry per app, so tests build as many apps as they like.
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { runningBatchFigures } from '../db/batchListing';
import { countTempLocksByStatus } from '../db/tempLockStore';
import { TempLockStatuses } from '../domain/tempLock';

const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ApiMetrics {
  registry: Registry;
  requests: Histogram<'method' | 'route' | 'status'>;
  checkIns: Histogram<'directive'>;
  uploadRows: Counter;
  uploadBytes: Counter;
  authFailures: Counter<'reason'>;
  liveProgressClients: Gauge;
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
    reconcilerActions: new Counter({
      name: 'do_batch_reconciler_actions_total',
      help: 'What the batch reconciler did to batches whose workflow was not running',
      labelNames: ['action'],
      registers: [registry],
    }),
  };
  // Read from the stores when scraped; the two batch figures come from one query per scrape.
  let batchFigures: { at: number; figures: Promise<{ running: number; devicesPending: number }> } | null = null;
  const runningBatches = () => {
    if (batchFigures === null || Date.now() - batchFigures.at > 1000) batchFigures = { at: Date.now(), figures: runningBatchFigures(pool) };
    return batchFigures.figures;
  };
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
    name: 'do_temp_locks',
    help: "Devices by their newest temp lock's status",
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const byStatus = await countTempLocksByStatus(pool);
      for (const status of TempLockStatuses) this.set({ status }, byStatus[status] ?? 0);
    },
  });
  return metrics;
}
