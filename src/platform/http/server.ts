// API process entry point: connects stores and Temporal, serves the Express app on loopback by default,
// runs the batch reconciler (src/batches/reconciler.ts), and on SIGTERM/SIGINT drains (src/platform/http/drain.ts)
// before closing the stores and exiting 0.
import { Client } from '@temporalio/client';
import { Server } from 'node:http';
import { connectMongoStores, connectPostgres, connectTemporalClient, runMain } from '../bootstrap';
import { closeMongo } from '../db/mongo';
import { createLogger } from '../logger';
import { createApp } from './app';
import { startBatchReconciler } from '../../batches/reconciler';
import { startPreviewExpiry } from '../../batches/previewExpiry';
import { startWebhookRetention } from '../../webhooks/retention';
import { createApiMetrics } from './metrics';
import { createApiDrain } from './drain';

/** After the drain, how long the last answers get to reach their clients before connections are cut. */
const CLOSE_CONNECTIONS_MS = 2_000;

runMain('api', async (config) => {
  const log = createLogger(config.logLevel, 'api');
  const pool = await connectPostgres(config);
  const mongo = await connectMongoStores(config, log);
  const connection = await connectTemporalClient(config);
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const drain = createApiDrain();
  const metrics = createApiMetrics(pool);
  const app = createApp({ config, pool, mongo, temporal, log, drain, metrics });
  const reconciler = startBatchReconciler({
    config,
    pool,
    temporal,
    log,
    counted: (action) => metrics.reconcilerActions.inc({ action }),
  });
  const previewExpiry = startPreviewExpiry({ pool, log }, { ttlMs: config.batch.previewTtlMs });
  const webhookRetention = startWebhookRetention({ pool, log }, { retentionMs: config.webhooks.retentionMs });
  const server = app.listen(config.api.port, config.api.host, () => {
    log.info({ url: config.api.publicUrl }, 'api listening');
  });
  server.on('error', (err) => {
    process.stderr.write(
      `api: configuration error: API_PORT: cannot listen on ${config.api.host}:${config.api.port}: ${(err as NodeJS.ErrnoException).code}\n`,
    );
    process.exit(1);
  });
  // The listener stays open while draining, so a load balancer's /readyz probe sees 503 and new
  // requests get a 503 instead of a refused connection. A second signal kills at once (`once`).
  const shutdown = async (signal: NodeJS.Signals) => {
    const graceMs = config.api.shutdownGraceMs;
    log.info({ signal, graceMs }, 'api draining');
    setTimeout(() => {
      log.error('api shutdown stalled; exiting anyway');
      process.exit(1);
    }, graceMs + 15_000).unref();
    const unanswered = await drain.drain(graceMs);
    await reconciler.stop();
    previewExpiry.stop();
    webhookRetention.stop();
    await closeServer(server);
    await Promise.all([pool.end(), closeMongo(mongo), connection.close()]);
    log.info({ unanswered }, 'api stopped');
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
});

/** Stops listening and closes idle connections; cuts the rest after CLOSE_CONNECTIONS_MS. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_CONNECTIONS_MS);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
  });
}
