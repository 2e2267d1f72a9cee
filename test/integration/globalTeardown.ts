// Drops this run's throwaway databases (PostgreSQL and MongoDB) unless DO_TEST_KEEP_DATA is set.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const bundle = process.env.DO_TEST_WORKFLOW_BUNDLE;
  if (bundle) await rm(bundle, { force: true });
  // buildEntryPoints' marks of this run (test/integration/processSupport.ts).
  for (const mark of ['.building-', '.built-']) {
    await rm(join(__dirname, '..', '..', 'dist-test', `${mark}${process.env.DO_TEST_RUN_ID}`), { recursive: true, force: true });
  }
  if (process.env.DO_TEST_KEEP_DATA) return;
  const runId = process.env.DO_TEST_RUN_ID;
  if (!runId) return;
  const admin = new Client({ connectionString: process.env.DO_TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS do_test_${runId} WITH (FORCE)`);
  await admin.end();
  const mongo = new MongoClient(process.env.MONGO_URL!);
  await mongo.connect();
  await mongo.db(`do_test_${runId}`).dropDatabase();
  await mongo.close();
}
