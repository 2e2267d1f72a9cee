// Worker process entry point: connects the stores and Temporal, then polls the task queue until
// SIGINT/SIGTERM, letting in-flight tasks finish (Temporal's graceful shutdown).
import { DefaultLogger, LogLevel, Runtime } from '@temporalio/worker';
import { runMain, connectMongoStores, connectPostgres, connectTemporalWorker } from '../bootstrap';
import { createDeviceControlGateway } from '../gateway/deviceControlGateway';
import { createLogger } from '../logger';
import { createWorker } from './createWorker';

runMain('worker', async (config) => {
  const log = createLogger(config.logLevel, 'worker');
  // The SDK's own logs follow LOG_LEVEL too (its default, INFO, logs every worker state change).
  const sdkLevels: Record<string, LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'ERROR' };
  Runtime.install({ logger: new DefaultLogger(sdkLevels[config.logLevel]) });
  const pool = await connectPostgres(config);
  const mongo = await connectMongoStores(config);
  const connection = await connectTemporalWorker(config);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { pool, mongo, gateway: createDeviceControlGateway(config, mongo) },
  });
  log.info({ taskQueue: config.temporal.taskQueue, address: config.temporal.address }, 'worker started');
  await worker.run();
  await Promise.all([pool.end(), mongo.client.close(), connection.close()]);
  log.info('worker stopped');
});
