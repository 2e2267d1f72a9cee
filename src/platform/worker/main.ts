// Worker process entry point: connects the stores and Temporal, then polls the task queue until
// SIGTERM/SIGINT. Then it stops polling and lets in-flight activities finish for up to
// WORKER_SHUTDOWN_GRACE_MS (Temporal's Worker.shutdown()); what is still running after that is
// cancelled, and Temporal retries it on another worker.
import { Runtime } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { runMain, connectMongoStores, connectPostgres, connectTemporalClient, connectTemporalWorker } from '../bootstrap';
import { startOutboxListener } from '../../webhooks/outboxListener';
import { createDeviceControlGateway } from '../../devices/gateway/createGateway';
import { closeMongo } from '../db/mongo';
import { createLogger } from '../logger';
import { createWorker } from './createWorker';
import { forwardedCoreLogs, sdkLogger } from './sdkLogger';
import { createGatewayWorkers, runTogether, shutdownAll } from './gatewayWorkers';
import { createActivities } from './activities';

/** After the grace period, how long cancelled activities get to report before the process gives up on them. */
const EXIT_AFTER_GRACE_MS = 5_000;

runMain('worker', async (config) => {
  const log = createLogger(config.logLevel, 'worker');
  // The SDK's own logs go through the app's logger (so follow LOG_LEVEL), one line each.
  // Its signal handling is off: shutdown is this file's, below, so it is logged and bounded here.
  // Its metrics (task slots, schedule-to-start latency, polls, activity and workflow outcomes) as Prometheus text.
  const { metricsAddress } = config.worker;
  Runtime.install({
    logger: sdkLogger(log.child({ component: 'temporal-sdk' })),
    shutdownSignals: [],
    telemetryOptions: {
      logging: forwardedCoreLogs,
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });
  // No GATEWAY_URL: refused here, before anything is connected (a ConfigError naming the setting).
  const gateway = createDeviceControlGateway(config);
  const pool = await connectPostgres(config);
  const mongo = await connectMongoStores(config, log);
  const connection = await connectTemporalWorker(config);
  // Wakes the webhook delivery workflows of subscriptions whose outbox got committed rows.
  const clientConnection = await connectTemporalClient(config);
  const outboxListener = startOutboxListener({
    pool,
    temporal: new Client({ connection: clientConnection, namespace: config.temporal.namespace }),
    config,
    log: log.child({ component: 'webhooks' }),
  });
  const graceMs = config.worker.shutdownGraceMs;
  const deps = { pool, mongo, gateway };
  const target = { connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps, shutdownGraceMs: graceMs };
  // The gateway's commands run on workers of their own, beside this one: rate and slots of their own.
  const gatewayWorkers = await createGatewayWorkers({ ...target, limits: config.gateway });
  const worker = await createWorker({
    ...target,
    activities: createActivities({ ...deps, allowPrivateWebhookTargets: config.webhooks.allowPrivateTargets }),
    tuning: {
      maxConcurrentWorkflowTaskExecutions: config.worker.maxWorkflowTasks,
      maxConcurrentLocalActivityExecutions: config.worker.maxLocalActivities,
      maxConcurrentActivityTaskExecutions: config.worker.maxActivities,
    },
  });
  // An activity that ignores cancellation must not keep the process: past the grace period its
  // attempt is abandoned (exit 1) and Temporal retries it elsewhere once its timeout expires.
  // A second signal kills at once (`once`).
  const shutdown = (signal: NodeJS.Signals) => {
    log.info({ signal, graceMs }, 'worker draining');
    setTimeout(() => {
      log.error('activities still running after the shutdown grace period; Temporal retries them on another worker');
      process.exit(1);
    }, graceMs + EXIT_AFTER_GRACE_MS).unref();
    shutdownAll([worker, ...gatewayWorkers]);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  log.info(
    {
      taskQueue: config.temporal.taskQueue,
      address: config.temporal.address,
      metrics: metricsAddress ? `http://${metricsAddress}/metrics` : null,
      gateway: config.gateway,
    },
    'worker started',
  );
  await runTogether([worker, ...gatewayWorkers]);
  await outboxListener.stop();
  await Promise.all([pool.end(), closeMongo(mongo), connection.close(), clientConnection.close()]);
  log.info('worker stopped');
  process.exit(0);
});
