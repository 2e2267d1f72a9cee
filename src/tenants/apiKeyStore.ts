// API keys (t_api_key): issued, listed and revoked by `npm run admin`, looked up by the API's
// authentication. Only a key's sha256 hash and its visible prefix are stored.
import { Pool } from 'pg';
import { generateApiKey, hashApiKey, keyPrefix, Role } from './apiKeys';
import { inTransaction } from '../platform/db/postgres';
import { StoreRefusal } from '../platform/db/storeRefusal';

/** Who a valid key speaks for: its tenant, the tenant's whole subtree, the key's name and role. */
export interface KeyHolder {
  tenantId: string;
  userId: string;
  role: Role;
  /** The key's tenant and every workspace under it. */
  tenantTree: string[];
}

export interface ApiKeyListing {
  prefix: string;
  tenantId: string;
  name: string;
  role: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** How stale `last_used_at` may get: a lookup writes it at most this often per key. */
const LAST_USED_RESOLUTION = '60 seconds';

/**
 * The holder of the key with this hash, or null for an unknown or revoked key. Marks the key used
 * (at most once per LAST_USED_RESOLUTION, in the same round trip).
 */
export async function findKeyHolder(pool: Pool, keyHash: string): Promise<KeyHolder | null> {
  const { rows } = await pool.query<{ tenant_id: string; user_id: string; role: Role; tree: string[] }>(
    `WITH RECURSIVE k AS (
       SELECT id, tenant_id, user_id, role, last_used_at FROM t_api_key WHERE key_hash = $1 AND revoked_at IS NULL
     ), touched AS (
       UPDATE t_api_key SET last_used_at = now()
        WHERE id IN (SELECT id FROM k WHERE last_used_at IS NULL OR last_used_at < now() - interval '${LAST_USED_RESOLUTION}')
     ), tree AS (
       SELECT t.id FROM t_tenant t JOIN k ON t.id = k.tenant_id
       UNION
       SELECT c.id FROM t_tenant c JOIN tree ON c.parent_id = tree.id
     )
     SELECT k.tenant_id, k.user_id, k.role, ARRAY(SELECT id FROM tree) AS tree FROM k`,
    [keyHash],
  );
  const row = rows[0];
  return row ? { tenantId: row.tenant_id, userId: row.user_id, role: row.role, tenantTree: row.tree } : null;
}

/**
 * Issues a new key for a tenant and role under a name unique among the tenant's active keys.
 * Returns the key: the only moment it exists in clear. Refused (nothing written) for an unknown
 * tenant or a duplicate name.
 */
export async function issueApiKey(
  pool: Pool,
  request: { tenantId: string; name: string; role: Role },
): Promise<{ key: string; listing: ApiKeyListing }> {
  return inTransaction(pool, async (client) => {
    // Locking the tenant row serialises key creation per tenant, so the name check cannot race.
    const tenant = await client.query('SELECT 1 FROM t_tenant WHERE id = $1 FOR UPDATE', [request.tenantId]);
    if (tenant.rowCount === 0) throw new StoreRefusal(`unknown tenant "${request.tenantId}"`);
    const clash = await client.query<{ key_prefix: string }>(
      'SELECT key_prefix FROM t_api_key WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL',
      [request.tenantId, request.name],
    );
    if (clash.rows[0]) {
      throw new StoreRefusal(
        `tenant "${request.tenantId}" already has an active key named "${request.name}" (${clash.rows[0].key_prefix}); pick another name or revoke that key`,
      );
    }
    const key = generateApiKey();
    const { rows } = await client.query<ListingRow>(
      `INSERT INTO t_api_key (key_hash, key_prefix, tenant_id, user_id, role) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [hashApiKey(key), keyPrefix(key), request.tenantId, request.name, request.role],
    );
    return { key, listing: toListing(rows[0]!) };
  });
}

/** Keys, newest first; revoked ones only when asked. Never the key or its hash. */
export async function listApiKeys(pool: Pool, filter: { tenantId?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyListing[]> {
  const { rows } = await pool.query<ListingRow>(
    `SELECT * FROM t_api_key
      WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2 OR revoked_at IS NULL)
      ORDER BY created_at DESC, id DESC`,
    [filter.tenantId ?? null, filter.includeRevoked ?? false],
  );
  return rows.map(toListing);
}

/**
 * Revokes the one active key with this prefix. Refused when no active key has it, or when more
 * than one does (then nothing is revoked: the listing shows which).
 */
export async function revokeApiKey(pool: Pool, prefix: string): Promise<ApiKeyListing> {
  return inTransaction(pool, async (client) => {
    const { rows } = await client.query<ListingRow>(
      `UPDATE t_api_key SET revoked_at = now() WHERE key_prefix = $1 AND revoked_at IS NULL RETURNING *`,
      [prefix],
    );
    if (rows.length === 0) throw new StoreRefusal(`no active API key has the prefix "${prefix}" (see: admin key list)`);
    if (rows.length > 1) {
      throw new StoreRefusal(
        `${rows.length} active keys have the prefix "${prefix}" (tenants ${rows.map((r) => r.tenant_id).join(', ')}); nothing revoked`,
      );
    }
    return toListing(rows[0]!);
  });
}

interface ListingRow {
  key_prefix: string;
  tenant_id: string;
  user_id: string;
  role: Role;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function toListing(row: ListingRow): ApiKeyListing {
  return {
    prefix: row.key_prefix,
    tenantId: row.tenant_id,
    name: row.user_id,
    role: row.role,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
