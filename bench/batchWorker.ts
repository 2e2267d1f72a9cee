// The benchmark's worker process: the product worker (same workflows and activities) with the
// tuning under measurement taken from BENCH_* variables, and beside it a worker for the no-work
// ceiling on `<task queue>-no-work` (bench/noWorkWorkflows.ts). Prints "ready" once both poll.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfig } from '../src/platform/config';
import { connectMongo, ensureMongoIndexes } from '../src/platform/db/mongo';
import { createPgPool } from '../src/platform/db/postgres';
import type { DeviceControlGateway } from '../src/devices/gateway/deviceControlGateway';
import { CreateWorkerOptions, createWorker } from '../src/platform/worker/createWorker';
import { createActivities } from '../src/platform/worker/activities';
import { createLogger } from '../src/platform/logger';
import { startOutboxListener } from '../src/webhooks/outboxListener';

/** The task queue the ceiling runs of a benchmark go to. */
export function noWorkTaskQueue(taskQueue: string): string {
  return `${taskQueue}-no-work`;
}

/** Batches send no gateway commands: a command reaching this worker is a mistake, and says so. */
const noGateway: DeviceControlGateway = {
  sendLock: () => Promise.reject(new Error('the batch benchmark sends no gateway commands')),
  sendUnlock: () => Promise.reject(new Error('the batch benchmark sends no gateway commands')),
};

async function main(): Promise<void> {
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const pool = createPgPool(config.postgres.url, config.postgres.poolSize);
  const mongo = await connectMongo(config.mongo.url, config.mongo.database);
  await ensureMongoIndexes(mongo, { ferretdbPostgresUrl: config.mongo.ferretdbPostgresUrl });
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
  const deps = { pool, mongo, gateway: noGateway };
  const common: Omit<CreateWorkerOptions, 'taskQueue'> = {
    connection,
    namespace: config.temporal.namespace,
    activities: createActivities({ ...deps, allowPrivateWebhookTargets: config.webhooks.allowPrivateTargets }),
    tuning: {
      maxConcurrentWorkflowTaskExecutions: env('BENCH_WORKFLOW_TASKS', 100),
      maxConcurrentActivityTaskExecutions: env('BENCH_ACTIVITY_TASKS', 10),
      maxCachedWorkflows: env('BENCH_CACHED_WORKFLOWS', 2000),
    },
  };
  const workers = [
    await createWorker({ ...common, taskQueue: config.temporal.taskQueue }),
    await createWorker({
      ...common,
      taskQueue: noWorkTaskQueue(config.temporal.taskQueue),
      workflowsPath: require.resolve('./noWorkWorkflows'),
    }),
  ];
  // As the product's worker: wakes the webhook deliveries of subscriptions whose outbox got rows (--webhook).
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection: clientConnection, namespace: config.temporal.namespace });
  const outboxListener = startOutboxListener({ pool, temporal, config, log: createLogger('warn', 'bench-webhooks') });
  process.once('SIGTERM', () => workers.forEach((w) => w.shutdown()));
  const running = Promise.all(workers.map((w) => w.run()));
  process.stdout.write('ready\n');
  await running;
  await outboxListener.stop();
  await Promise.all([pool.end(), mongo.client.close(), connection.close(), clientConnection.close()]);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench worker: ${(err as Error).stack}\n`);
    process.exit(1);
  });
}
