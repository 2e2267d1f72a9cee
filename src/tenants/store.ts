// The tenant tree (t_tenant): created by `npm run admin` and the seeds, walked by key lookups.
import { Pool } from 'pg';
import { inTransaction } from '../platform/db/postgres';
import { StoreRefusal } from '../platform/db/storeRefusal';

export interface Tenant {
  id: string;
  parentId: string | null;
  name: string;
  createdAt: Date;
}

interface TenantRow {
  id: string;
  parent_id: string | null;
  name: string;
  created_at: Date;
}

/** Serialises tenant creation so two admins cannot create the same name under one parent at once. */
const TENANT_CREATE_LOCK_ID = 727_100_004;

/**
 * Adds a node to the tenant tree. Refused (StoreRefusal, nothing written) when the parent does not
 * exist, the id is taken, or the parent already has a child of that name (case-insensitive).
 */
export async function createTenant(pool: Pool, tenant: { id: string; name: string; parentId: string | null }): Promise<Tenant> {
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [TENANT_CREATE_LOCK_ID]);
    if (tenant.parentId !== null) {
      const parent = await client.query('SELECT 1 FROM t_tenant WHERE id = $1', [tenant.parentId]);
      if (parent.rowCount === 0) throw new StoreRefusal(`unknown parent tenant "${tenant.parentId}"`);
    }
    const clash = await client.query<{ id: string; name: string }>(
      `SELECT id, name FROM t_tenant
        WHERE id = $1 OR (parent_id IS NOT DISTINCT FROM $2 AND lower(name) = lower($3))`,
      [tenant.id, tenant.parentId, tenant.name],
    );
    const taken = clash.rows[0];
    if (taken?.id === tenant.id) throw new StoreRefusal(`tenant id "${tenant.id}" is already taken (by "${taken.name}")`);
    if (taken) {
      const under = tenant.parentId === null ? 'at the top level' : `under "${tenant.parentId}"`;
      throw new StoreRefusal(`a tenant named "${taken.name}" already exists ${under} (id "${taken.id}")`);
    }
    const { rows } = await client.query<TenantRow>('INSERT INTO t_tenant (id, parent_id, name) VALUES ($1, $2, $3) RETURNING *', [
      tenant.id,
      tenant.parentId,
      tenant.name,
    ]);
    return toTenant(rows[0]!);
  });
}

/** Every tenant, parents before their children. */
export async function listTenants(pool: Pool): Promise<Tenant[]> {
  const { rows } = await pool.query<TenantRow & { path: string[] }>(
    `WITH RECURSIVE tree AS (
       SELECT t.*, ARRAY[t.id] AS path FROM t_tenant t WHERE parent_id IS NULL
       UNION ALL
       SELECT c.*, tree.path || c.id FROM t_tenant c JOIN tree ON c.parent_id = tree.id
     )
     SELECT * FROM tree ORDER BY path`,
  );
  return rows.map(toTenant);
}

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, parentId: row.parent_id, name: row.name, createdAt: row.created_at };
}
