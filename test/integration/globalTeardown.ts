// Drops this run's throwaway databases (PostgreSQL and MongoDB) unless DO_TEST_KEEP_DATA is set.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';
import { RUN_OUTPUTS } from '../runOutputs';

export default async function globalTeardown(): Promise<void> {
  // What test/integration/oncePerRun.ts left of this run: its marks and the portal it built.
  const runId = process.env.DO_TEST_RUN_ID;
  const outputs = await readdir(RUN_OUTPUTS).catch(() => [] as string[]);
  for (const entry of outputs.filter((name) => runId && name.endsWith(`-${runId}`))) {
    await rm(join(RUN_OUTPUTS, entry), { recursive: true, force: true });
  }
  if (process.env.DO_TEST_KEEP_DATA) return;
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
