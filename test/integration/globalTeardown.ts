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
  // The run's databases, and those of files that made their own (`do_test_<run>_<suffix>`) and did not drop them.
  const ofThisRun = (name: string) => name === `do_test_${runId}` || name.startsWith(`do_test_${runId}_`);
  const admin = new Client({ connectionString: process.env.DO_TEST_ADMIN_DATABASE_URL });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database');
  for (const { datname } of rows.filter((row) => ofThisRun(row.datname)))
    await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  await admin.end();
  const mongo = new MongoClient(process.env.MONGO_URL!);
  await mongo.connect();
  const { databases } = await mongo.db('admin').admin().listDatabases({ nameOnly: true });
  for (const { name } of databases.filter((db) => ofThisRun(db.name))) await mongo.db(name).dropDatabase();
  await mongo.close();
}
