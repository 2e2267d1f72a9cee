// Applies pending schema migrations in order, once, under an advisory lock so concurrent
// starters (API, worker, tests) never race.
import { Pool } from 'pg';
import { migrations } from './migrations/index';
import { withClient } from './postgres';

const MIGRATION_LOCK_ID = 727_100_001;

export async function migrate(pool: Pool): Promise<string[]> {
  return withClient(pool, async (client) => {
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      await client.query(
        'CREATE TABLE IF NOT EXISTS t_schema_migration (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await client.query<{ id: string }>('SELECT id FROM t_schema_migration');
      const done = new Set(rows.map((r) => r.id));
      const applied: string[] = [];
      for (const migration of migrations) {
        if (done.has(migration.id)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO t_schema_migration (id) VALUES ($1)', [migration.id]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${migration.id} failed: ${(err as Error).message}`);
        }
        applied.push(migration.id);
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    }
  });
}
