// Writes tenants, API keys, catalogue entries and devices: used by the demo seed and by tests.
import { ObjectId } from 'mongodb';
import { Pool } from 'pg';
import { MongoStores } from '../src/platform/db/mongo';

export { upsertTenant } from '../src/tenants/store';
export { createApiKey } from '../src/tenants/apiKeyStore';

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
