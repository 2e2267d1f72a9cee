// Lookup indexes for FerretDB v1 on PostgreSQL, the MongoDB-protocol server of our own machines.
//
// FerretDB pushes every filter down as `_jsonb -> 'field' @> value`, and the btree indexes it builds
// for createIndex cannot serve `@>`: every find, update and upsert scanned its whole collection
// (43 ms per lookup at 37,000 device documents, growing with the collection, which made PostgreSQL
// the bottleneck of a batch). A GIN (jsonb_path_ops) index on each filtered field's expression
// serves that operator (0.05 ms). They live on FerretDB's backing tables, found through its
// metadata table, and go when FerretDB drops the collection. A real MongoDB needs none of this:
// without FERRETDB_POSTGRES_URL nothing happens.
import { Client } from 'pg';

/** Collection name → the fields its filters use (besides _id). */
export type FilteredFields = Record<string, string[]>;

/** Creates the missing indexes for `database`'s collections; returns how many were created. */
export async function ensureFerretdbPostgresIndexes(postgresUrl: string, database: string, fields: FilteredFields): Promise<number> {
  const client = new Client({ connectionString: postgresUrl });
  client.on('error', () => undefined); // PostgreSQL going away between queries fails the next query, not the process
  await client.connect();
  try {
    const schema = await client.query<{ exists: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = '_ferretdb_database_metadata') AS exists`,
      [database],
    );
    if (!schema.rows[0].exists) return 0;
    const tables = await client.query<{ collection: string; table: string }>(
      `SELECT _jsonb->>'_id' AS collection, _jsonb->>'table' AS table FROM ${ident(database)}._ferretdb_database_metadata`,
    );
    let created = 0;
    for (const { collection, table } of tables.rows) {
      for (const field of ['_id', ...(fields[collection] ?? [])]) {
        if (await createIndex(client, database, table, field)) created++;
      }
    }
    return created;
  } finally {
    await client.end();
  }
}

async function createIndex(client: Client, schema: string, table: string, field: string): Promise<boolean> {
  const name = `${table}_${field.replace(/[^a-z0-9]/gi, '')}_do_gin`.slice(0, 63);
  const exists = await client.query('SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = $2', [schema, name]);
  if (exists.rowCount) return false;
  try {
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${ident(name)} ON ${ident(schema)}.${ident(table)} USING gin ((_jsonb -> ${literal(field)}) jsonb_path_ops)`,
    );
    return true;
  } catch (err) {
    // Another process (the API and the worker start together) created it first.
    if ((err as { code?: string }).code === '23505' || (err as { code?: string }).code === '42P07') return false;
    throw err;
  }
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
