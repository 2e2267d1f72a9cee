// The set-up shared by the in-process temp-lock benchmarks (bench:templock, bench:gateway): connections to the
// local services (migrated), and a tenant and task queue of the run's own with `count` ACTIVE devices.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { AppConfig } from '../src/platform/config';
import { insertDevices, upsertTenant, imeiWithCheckDigit } from '../dev/inventorySeed';
import { migrate } from '../src/platform/db/migrate';
import { connectMongo, ensureMongoIndexes } from '../src/platform/db/mongo';
import { createPgPool } from '../src/platform/db/postgres';
import { DeviceState } from '../src/devices/states';

/** `uidPrefix`: two digits that keep each benchmark's device uids apart. */
export async function lockBenchSetup(config: AppConfig, name: string, count: number, uidPrefix: string, poolSize: number) {
  const runId = Date.now().toString(36);
  const taskQueue = `bench-${name}-${runId}`;
  const tenantId = `bench-${name}-${runId}`;
  const pool = createPgPool(config.postgres.url, poolSize);
  await migrate(pool);
  const mongo = await connectMongo(config.mongo.url, config.mongo.database);
  await ensureMongoIndexes(mongo, { ferretdbPostgresUrl: config.mongo.ferretdbPostgresUrl });
  const client = new Client({
    connection: await Connection.connect({ address: config.temporal.address }),
    namespace: config.temporal.namespace,
  });
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });

  await upsertTenant(pool, tenantId, `${name} benchmark`);
  const uids = Array.from({ length: count }, (_, i) =>
    imeiWithCheckDigit(`${uidPrefix}${runId.slice(-4).replace(/\D/g, '7').padStart(4, '7')}${String(i).padStart(8, '0')}`),
  );
  await insertDevices(
    pool,
    tenantId,
    uids.map((uid) => ({ uid, stateId: DeviceState.ACTIVE })),
  );
  const { rows } = await pool.query<{ id: string; uid: string }>('SELECT id, uid FROM t_device WHERE tenant_id = $1', [tenantId]);
  const deviceIds = new Map(rows.map((r) => [r.uid, Number(r.id)]));
  return { runId, taskQueue, tenantId, pool, mongo, client, nativeConnection, uids, deviceIds };
}
