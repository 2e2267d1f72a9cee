// A checked-out client whose server connection goes away between two queries (PostgreSQL restarted
// while an activity awaits MongoDB inside its transaction): the fault suite's PostgreSQL round once
// killed the worker here with an unhandled 'error' event. withClient must turn it into a failed query.
import { Pool, PoolClient } from 'pg';
import { createPgPool, inTransaction, withClient } from '../../src/platform/db/postgres';

describe('withClient when PostgreSQL drops a checked-out connection', () => {
  let pool: Pool;
  let admin: Pool;

  beforeAll(() => {
    pool = createPgPool(process.env.DATABASE_URL!, 2);
    admin = createPgPool(process.env.DATABASE_URL!, 1);
  });
  afterAll(async () => Promise.all([pool.end(), admin.end()]));

  /** Terminates the client's backend and returns once the client has seen its connection end. */
  async function killConnection(client: PoolClient): Promise<void> {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Not events.once: it listens for 'error' too, which would hide the very event under test.
    const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    await ended; // the FATAL message, and the 'error' event it raises, come before the end
  }

  it('fails the next query instead of crashing, and the pool serves new clients', async () => {
    await expect(
      withClient(pool, async (client) => {
        await killConnection(client);
        await client.query('SELECT 1');
      }),
    ).rejects.toThrow(/Connection terminated|not queryable|terminat/i);
    const { rows } = await pool.query<{ ok: number }>('SELECT 1 AS ok');
    expect(rows[0].ok).toBe(1);
  });

  it('inTransaction rejects with the lost connection and discards the client', async () => {
    await expect(inTransaction(pool, async (client) => killConnection(client))).rejects.toThrow(
      /Connection terminated|not queryable|terminat/i,
    );
    expect(pool.totalCount).toBeLessThanOrEqual(1);
    const result = await inTransaction(pool, async (client) => (await client.query<{ ok: number }>('SELECT 1 AS ok')).rows[0].ok);
    expect(result).toBe(1);
  });
});
