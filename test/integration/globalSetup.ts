// Integration-test setup: the services are started (or reused) by scripts/test.sh; this creates a
// throwaway PostgreSQL database and MongoDB database for this run, migrates them, and bundles the
// workflows (the product's and the test-only ones) once so each test file's worker starts in a
// second instead of re-bundling.
import { bundleWorkflowCode } from '@temporalio/worker';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../src/platform/db/migrate';
import { createPgPool } from '../../src/platform/db/postgres';

export default async function globalSetup(): Promise<void> {
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'MONGO_URL']) {
    if (!process.env[name]) throw new Error(`${name} is not set: run the integration tests with "npm test", which starts the services`);
  }
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  const adminUrl = process.env.DATABASE_URL!;
  const testDb = `do_test_${runId}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${testDb}`);
  await admin.end();

  const url = new URL(adminUrl);
  url.pathname = `/${testDb}`;
  process.env.DO_TEST_ADMIN_DATABASE_URL = adminUrl;
  process.env.DATABASE_URL = url.toString();
  process.env.MONGO_DB = `do_test_${runId}`;
  process.env.DO_TEST_RUN_ID = runId;
  // The tests' webhook receivers listen on 127.0.0.1, which a deployment refuses as a target (README, "Webhooks").
  process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS ??= 'true';

  const pool = createPgPool(process.env.DATABASE_URL);
  await migrate(pool);
  await pool.end();

  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: quietLogger });
  const bundlePath = join(tmpdir(), `do-workflow-bundle-${runId}.js`);
  await writeFile(bundlePath, code);
  process.env.DO_TEST_WORKFLOW_BUNDLE = bundlePath;
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
