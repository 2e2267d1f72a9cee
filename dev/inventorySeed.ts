// Writes tenants, API keys, catalogue entries and devices without the admin command's checks, makes device UIDs
// with a valid check digit, and applies a device action in its own transaction: for the demo seed, the tests and
// the benchmarks (nothing in src/ imports it).
import { ObjectId } from 'mongodb';
import { Pool } from 'pg';
import { MongoStores } from '../src/platform/db/mongo';
import { applyDeviceActionIn, type ApplyDeviceActionInput, type ApplyDeviceActionResult } from '../src/devices/lifecycleStore';
import { hasValidLuhnCheckDigit } from '../src/devices/uid';
import { inTransaction } from '../src/platform/db/postgres';
import { generateApiKey, hashApiKey, keyPrefix, type Role } from '../src/tenants/apiKeys';

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

/** Creates or renames/moves a tenant without checks: for the demo seed and tests. */
export async function upsertTenant(pool: Pool, id: string, name: string, parentId: string | null = null): Promise<void> {
  await pool.query(
    `INSERT INTO t_tenant (id, parent_id, name) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET parent_id = EXCLUDED.parent_id, name = EXCLUDED.name`,
    [id, parentId, name],
  );
}

/** Stores a given (or new) key without checks and returns it: for the demo seed and tests. */
export async function createApiKey(pool: Pool, tenantId: string, userId: string, role: Role, key = generateApiKey()): Promise<string> {
  await pool.query(
    `INSERT INTO t_api_key (key_hash, key_prefix, tenant_id, user_id, role) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (key_hash) DO NOTHING`,
    [hashApiKey(key), keyPrefix(key), tenantId, userId, role],
  );
  return key;
}

/** Appends the Luhn check digit to a 14-digit body: handy for seeding demo and test devices. */
export function imeiWithCheckDigit(body14: string): string {
  for (let d = 0; d <= 9; d++) {
    if (hasValidLuhnCheckDigit(body14 + d)) return body14 + d;
  }
  throw new Error(`no check digit for ${body14}`);
}

/** One lifecycle action in its own transaction (production code applies them inside its own: applyDeviceActionIn). */
export async function applyDeviceAction(pool: Pool, input: ApplyDeviceActionInput): Promise<ApplyDeviceActionResult> {
  return inTransaction(pool, (client) => applyDeviceActionIn(client, input));
}
