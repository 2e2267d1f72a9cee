// The temp-lock store against real PostgreSQL and the MongoDB-protocol store: the row check-ins are answered from
// (t_device_temp_lock) is written before the lock's documents, and only a newer lock replaces it.
import { Pool } from 'pg';
import { insertDevices, upsertTenant, imeiWithCheckDigit } from '../../dev/inventorySeed';
import { MongoStores, connectMongo } from '../../src/platform/db/mongo';
import { createPgPool } from '../../src/platform/db/postgres';
import { TempLockTransition, findDeviceTempLock, writeTempLockTransitions } from '../../src/tempLocks/store';
import { DeviceState } from '../../src/devices/states';

describe('temp-lock store', () => {
  let pool: Pool;
  let mongo: MongoStores;
  const tenantId = `lock-store-${Date.now().toString(36)}`;
  let serial = 0;

  beforeAll(async () => {
    pool = createPgPool(process.env.DATABASE_URL!, 5);
    mongo = await connectMongo(process.env.MONGO_URL!, process.env.MONGO_DB!);
    await upsertTenant(pool, tenantId, 'Lock store tenant');
  });
  afterAll(async () => {
    await pool.end();
    await mongo.client.close();
  });

  async function newDevice(): Promise<{ deviceId: number; deviceUid: string }> {
    const deviceUid = imeiWithCheckDigit(`3520000${String(++serial).padStart(7, '0')}`);
    await insertDevices(pool, tenantId, [{ uid: deviceUid, stateId: DeviceState.ACTIVE }]);
    const { rows } = await pool.query('SELECT id FROM t_device WHERE tenant_id = $1 AND uid = $2', [tenantId, deviceUid]);
    return { deviceId: Number(rows[0].id), deviceUid };
  }

  function firstTransition(device: { deviceId: number; deviceUid: string }, actionId: string, at: number): TempLockTransition {
    return {
      facts: { actionId, tenantId, ...device, workflowId: `temp-lock/${tenantId}/${device.deviceUid}` },
      terms: { durationMinutes: 5, durationMs: 300_000, workingHours: false, notification: null, requestedBy: 'operator-1' },
      seq: 1,
      status: 'WAITING',
      at,
    };
  }

  it("a late retry of an older lock's first write does not replace the newer lock's row", async () => {
    const device = await newDevice();
    const older = firstTransition(device, `older-${serial}`, Date.now() - 60_000);
    const newer = firstTransition(device, `newer-${serial}`, Date.now());
    await writeTempLockTransitions(pool, mongo, [older]);
    await writeTempLockTransitions(pool, mongo, [newer, { ...newer, terms: undefined, seq: 2, status: 'ACTIVATING', at: newer.at + 1 }]);
    // The older lock's first write, retried after a timeout, lands now.
    await writeTempLockTransitions(pool, mongo, [older]);
    expect(await findDeviceTempLock(pool, device.deviceId)).toMatchObject({ actionId: newer.facts.actionId, status: 'ACTIVATING' });
  });

  it('writes the row check-ins are answered from before the documents: a MongoDB failure leaves the row already moved on', async () => {
    const device = await newDevice();
    const first = firstTransition(device, `lock-${serial}`, Date.now());
    await writeTempLockTransitions(pool, mongo, [first]);
    const failingMongo: MongoStores = {
      ...mongo,
      deviceActions: new Proxy(mongo.deviceActions, {
        get: (target, name) => (name === 'updateOne' ? () => Promise.reject(new Error('store down')) : Reflect.get(target, name)),
      }),
    };
    const deactivating: TempLockTransition = { ...first, terms: undefined, seq: 2, status: 'DEACTIVATING', at: first.at + 1 };
    await expect(writeTempLockTransitions(pool, failingMongo, [deactivating])).rejects.toThrow('store down');
    expect(await findDeviceTempLock(pool, device.deviceId)).toMatchObject({ actionId: first.facts.actionId, status: 'DEACTIVATING' });
    // The retry, with the store back, completes the documents and leaves the row as it is.
    await writeTempLockTransitions(pool, mongo, [deactivating]);
    expect(await mongo.deviceActions.findOne({ _id: first.facts.actionId })).toMatchObject({ status: 'DEACTIVATING', seq: 2 });
    expect(await findDeviceTempLock(pool, device.deviceId)).toMatchObject({ status: 'DEACTIVATING' });
  });
});
