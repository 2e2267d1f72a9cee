// The real stack for one integration-test file: PostgreSQL pool, MongoDB stores, a Temporal client,
// a worker on a task queue of its own (and the gateway's workers beside it), and the API app bound to an ephemeral loopback port.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import { MongoClient } from 'mongodb';
import { Client as PgClient, Pool } from 'pg';
import { createApp } from '../../src/platform/http/app';
import { createApiDrain } from '../../src/platform/http/drain';
import { AppConfig, loadConfig } from '../../src/platform/config';
import { MongoStores, connectMongo, ensureMongoIndexes } from '../../src/platform/db/mongo';
import { createPgPool } from '../../src/platform/db/postgres';
import { migrate } from '../../src/platform/db/migrate';
import { createApiKey, upsertTenant } from '../../dev/inventorySeed';
import { createLogger } from '../../src/platform/logger';
import { createDeviceControlGateway } from '../../src/devices/gateway/createGateway';
import { SimulatedDeviceControlGateway } from '../doubles/simulatedGateway';
import { CreateWorkerOptions, createWorker } from '../../src/platform/worker/createWorker';
import { createGatewayWorkers, runTogether, shutdownAll } from '../../src/platform/worker/gatewayWorkers';
import { createStoresProbeActivities } from '../workflows/storesProbeActivities';
import { createActivities } from '../../src/platform/worker/activities';
import { installTestRuntime } from '../sdkRuntime';
import { testWorkflowBundlePath } from '../workflowBundle';
export { waitFor } from '../waitFor';

export interface TestStack {
  config: AppConfig;
  pool: Pool;
  mongo: MongoStores;
  client: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  /** The in-process gateway double every worker of this stack uses (records commands, can fail), unless GATEWAY_URL is given. */
  gateway: SimulatedDeviceControlGateway;
  /** A fresh tenant id, unique to this test run. */
  uniqueId(prefix: string): string;
  newWorker(tuning?: CreateWorkerOptions['tuning']): Promise<Worker>;
  /** Starts the API on 127.0.0.1:<ephemeral>; returns its base URL. */
  startApi(): Promise<string>;
  close(): Promise<void>;
}

/** `env` overrides settings for this stack, e.g. { TEMP_LOCK_MINUTE_MS: '1000' } so lock minutes pass quickly. */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  // Worker logs from warnings up, so test output stays readable.
  installTestRuntime('WARN');
  const taskQueue = `test-${randomUUID()}`;
  const config = loadConfig({ ...process.env, ...env, TASK_QUEUE: taskQueue });
  const pool = createPgPool(config.postgres.url, 20);
  const mongo = await connectMongo(config.mongo.url, config.mongo.database);
  await ensureMongoIndexes(mongo, { ferretdbPostgresUrl: config.mongo.ferretdbPostgresUrl });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  const gateway = new SimulatedDeviceControlGateway();
  // GATEWAY_URL in `env`: the workers send their commands as the product does (grouped, over HTTP) to that gateway.
  const commandGateway = config.gateway.url ? createDeviceControlGateway(config) : gateway;
  const servers: Server[] = [];
  const suffix = randomUUID().slice(0, 8);
  let gatewayWorkers: Promise<{ workers: Worker[]; running: Promise<void> }> | undefined;

  return {
    config,
    pool,
    mongo,
    client,
    nativeConnection,
    taskQueue,
    gateway,
    uniqueId: (prefix) => `${prefix}-${suffix}-${randomUUID().slice(0, 6)}`,
    async newWorker(tuning) {
      // The gateway's workers (rate-limited LOCKs, UNLOCKs) serve the stack until it closes, like a deployment's.
      gatewayWorkers ??= createGatewayWorkers({
        connection: nativeConnection,
        namespace: config.temporal.namespace,
        taskQueue,
        deps: { pool, mongo, gateway: commandGateway },
        limits: config.gateway,
      }).then((workers) => ({ workers, running: runTogether(workers) }));
      await gatewayWorkers;
      return createWorker({
        connection: nativeConnection,
        namespace: config.temporal.namespace,
        taskQueue,
        // The product's activities, and the probes the test-only workflows (test/workflows/storesProbe.ts) call.
        activities: {
          ...createActivities({ pool, mongo, gateway: commandGateway, allowPrivateWebhookTargets: config.webhooks.allowPrivateTargets }),
          ...createStoresProbeActivities({ pool, mongo }),
        },
        workflowBundle: { codePath: testWorkflowBundlePath() },
        tuning,
      });
    },
    async startApi() {
      const app = createApp({ config, pool, mongo, temporal: client, log: createLogger('silent', 'api-test'), drain: createApiDrain() });
      const server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      if (gatewayWorkers) {
        const { workers, running } = await gatewayWorkers;
        shutdownAll(workers);
        await running;
      }
      await Promise.all([pool.end(), mongo.client.close(), connection.close(), nativeConnection.close()]);
    },
  };
}

/** A tenant with an operator key, for tests that go through the API. */
export async function createTenantWithKey(
  stack: TestStack,
  role: 'operator' | 'device_gateway' | 'read_only' = 'operator',
): Promise<{ tenantId: string; apiKey: string }> {
  const tenantId = stack.uniqueId('tenant');
  await upsertTenant(stack.pool, tenantId, `Tenant ${tenantId}`);
  const apiKey = await createApiKey(stack.pool, tenantId, `user-${tenantId}`, role);
  return { tenantId, apiKey };
}

/**
 * With DO_RECORD_HISTORIES=1 (`npm run record:histories`), saves a finished workflow's history
 * (its latest run, or `runId`) to test/replay/histories/<name>.json, where the replay suite picks it up.
 * Commit the file.
 */
export async function recordHistory(stack: TestStack, workflowId: string, name: string, runId?: string): Promise<void> {
  if (!process.env.DO_RECORD_HISTORIES) return;
  const { writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
  const history = historyToJSON(await stack.client.workflow.getHandle(workflowId, runId).fetchHistory());
  await writeFile(join(__dirname, '..', 'replay', 'histories', `${name}.json`), history + '\n');
}

/** The stack with a worker polling its task queue and the API listening: what most API tests need. */
export async function startServingStack(
  env: Record<string, string> = {},
  tuning?: CreateWorkerOptions['tuning'],
): Promise<{ stack: TestStack; base: string; stop(): Promise<void> }> {
  const stack = await startTestStack(env);
  const worker = await stack.newWorker(tuning);
  const running = worker.run();
  const base = await stack.startApi();
  return {
    stack,
    base,
    async stop() {
      worker.shutdown();
      await running;
      await stack.close();
    },
  };
}

/** A PostgreSQL database and a MongoDB database that exist but hold nothing: a first deployment. */
export async function createCleanDatabases(suffix: string): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const name = `do_test_${process.env.DO_TEST_RUN_ID}_${suffix}`;
  const adminUrl = process.env.DO_TEST_ADMIN_DATABASE_URL!;
  await withAdminClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), MONGO_DB: name },
    async drop() {
      await withAdminClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      const mongo = new MongoClient(process.env.MONGO_URL!);
      await mongo.connect();
      await mongo.db(name).dropDatabase();
      await mongo.close();
    },
  };
}

async function withAdminClient(url: string, work: (client: PgClient) => Promise<unknown>): Promise<void> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL database and a MongoDB database of one test file, migrated, for `startTestStack(env)`: for a file whose
 * background work would otherwise act on other files' rows in the run's shared databases (the webhook outbox listener
 * delivers every subscription's pending events, on the file's own task queue).
 */
export async function ownDatabases(suffix: string): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  const databases = await createCleanDatabases(suffix);
  const pool = createPgPool(databases.env.DATABASE_URL!);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return databases;
}
