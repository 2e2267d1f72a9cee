// Runs `npm run admin` (the compiled entry point, src/tenants/admin/main.ts) as a child process against a
// database of the test's choosing, and creates/drops a clean database for the first-deployment test.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { Client } from 'pg';

const ADMIN_SCRIPT = join(resolve(__dirname, '..', '..'), 'dist-test', 'tenants', 'admin', 'main.js');

export interface AdminRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runAdmin(args: string[], env: Record<string, string>): Promise<AdminRun> {
  return new Promise((resolveRun) => {
    execFile(process.execPath, [ADMIN_SCRIPT, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: number }).code ?? 1) : 0;
      resolveRun({ code, stdout, stderr });
    });
  });
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

async function withAdminClient(url: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
