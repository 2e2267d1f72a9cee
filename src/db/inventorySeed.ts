// Writes tenants, API keys, catalogue entries and devices: used by the demo seed and by tests.
import { ObjectId } from 'mongodb';
import { Pool } from 'pg';
import { generateApiKey, hashApiKey, Role } from '../api/auth';
import { MongoStores } from './mongo';

export async function upsertTenant(pool: Pool, id: string, name: string, parentId: string | null = null): Promise<void> {
  await pool.query(
    `INSERT INTO t_tenant (id, parent_id, name) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET parent_id = EXCLUDED.parent_id, name = EXCLUDED.name`,
    [id, parentId, name],
  );
}

/** Stores a key's hash and returns the key: the only moment it exists in clear. */
export async function createApiKey(pool: Pool, tenantId: string, userId: string, role: Role, key = generateApiKey()): Promise<string> {
  await pool.query(
    `INSERT INTO t_api_key (key_hash, key_prefix, tenant_id, user_id, role) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (key_hash) DO NOTHING`,
    [hashApiKey(key), key.slice(0, 7), tenantId, userId, role],
  );
  return key;
}

export interface SeedDevice {
  uid: string;
  stateId: number;
  serviceTypeId?: number;
  deviceType?: number;
  previousStateId?: number | null;
}

/** Inserts devices in chunks; existing (tenant, uid) pairs are left as they are. */
export async function insertDevices(pool: Pool, tenantId: string, devices: SeedDevice[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < devices.length; i += 5000) {
    const chunk = devices.slice(i, i + 5000);
    const result = await pool.query(
      `INSERT INTO t_device (uid, tenant_id, state_id, previous_state_id, service_type_id, device_type)
       SELECT uid, $1, state_id, previous_state_id, service_type_id, device_type
         FROM unnest($2::text[], $3::smallint[], $4::smallint[], $5::smallint[], $6::smallint[])
              AS d(uid, state_id, previous_state_id, service_type_id, device_type)
       ON CONFLICT (tenant_id, uid) DO NOTHING`,
      [
        tenantId,
        chunk.map((d) => d.uid),
        chunk.map((d) => d.stateId),
        chunk.map((d) => d.previousStateId ?? null),
        chunk.map((d) => d.serviceTypeId ?? 1),
        chunk.map((d) => d.deviceType ?? 1),
      ],
    );
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}

export async function upsertWorkflowVersion(
  mongo: MongoStores,
  entry: { id?: string; name: string; tenantId: string; serviceTypeId: number },
): Promise<string> {
  const _id = new ObjectId(entry.id);
  await mongo.workflowVersions.updateOne(
    { _id },
    {
      $setOnInsert: { _id, created_at: new Date() },
      $set: { name: entry.name, tenant_id: entry.tenantId, service_type_id: entry.serviceTypeId, status: 'ACTIVE' },
    },
    { upsert: true },
  );
  return _id.toHexString();
}
