// PostgreSQL pool creation and a transaction helper.
import { Pool, PoolClient } from 'pg';

/** The pool, for code outside the store modules that holds one and hands it to the stores. */
export type PgPool = Pool;
/** A client inside a transaction (what inTransaction hands its work). */
export type PgTransaction = PoolClient;
/** Anything a store function can run its statements on: the pool, or a transaction's client. */
export type Queryable = Pool | PoolClient;

export function createPgPool(url: string, max = 20): Pool {
  const pool = new Pool({ connectionString: url, max, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 });
  // An idle client losing its server (PostgreSQL restarted) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `work` on a client checked out of the pool. A checked-out client whose server goes away between
 * queries (PostgreSQL restarted while the work awaits something else, e.g. MongoDB) emits 'error' with
 * no query to reject, and the pool only listens while clients are idle: unhandled, that kills the
 * process. Here the error is kept, the work's next query fails, and the broken client is discarded.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => (lost = err);
  client.on('error', onError);
  try {
    return await work(client);
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}

/** One round trip: throws when PostgreSQL cannot be reached. */
export async function pingPostgres(db: Queryable): Promise<void> {
  await db.query('SELECT 1');
}

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}
