// Integration-test setup: the services are started (or reused) by scripts/test.sh; this creates a
// throwaway PostgreSQL database and MongoDB database for this run and migrates them, after the setup every
// project with workers shares (test/globalSetup.ts: the run's id, the workflows bundled once).
import { Client } from 'pg';
import sharedSetup, { testRunId } from '../globalSetup';
import { migrate } from '../../src/platform/db/migrate';
import { createPgPool } from '../../src/platform/db/postgres';

export default async function globalSetup(): Promise<void> {
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'MONGO_URL']) {
    if (!process.env[name]) throw new Error(`${name} is not set: run the integration tests with "npm test", which starts the services`);
  }
  // The bundle (CPU in this process) while PostgreSQL creates and migrates the run's database.
  await Promise.all([sharedSetup(), createRunDatabases(testRunId())]);
}

async function createRunDatabases(runId: string): Promise<void> {
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
  // The tests' webhook receivers listen on 127.0.0.1, which a deployment refuses as a target (README, "Webhooks").
  process.env.WEBHOOK_ALLOW_PRIVATE_TARGETS ??= 'true';

  const pool = createPgPool(process.env.DATABASE_URL);
  await migrate(pool);
  await pool.end();
}
