// `npm start` seeds a demo tenant tree, API keys, a catalogue entry and a few hundred devices in
// every state, and writes a sample CSV, so a person can try a bulk upload at once. Idempotent.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { connectMongoStores, connectPostgres, runMain } from '../src/platform/bootstrap';
import { DeviceState } from '../src/devices/states';
import { imeiWithCheckDigit } from './inventorySeed';
import { createApiKey, insertDevices, SeedDevice, upsertTenant, upsertWorkflowVersion } from './inventorySeed';
import { closeMongo } from '../src/platform/db/mongo';

const DEMO_TENANT = 'demo';
const DEMO_WORKFLOW_ID = '68a5ae7a4cb9e87b88b7d344';
const DEVICES_PER_STATE = 100;

runMain('seed', async (config) => {
  const operatorKey = process.env.DEMO_API_KEY || 'do_demo_operator_key';
  const gatewayKey = process.env.DEMO_GATEWAY_KEY || 'do_demo_gateway_key';
  const csvPath = process.argv[2] ?? '.data/demo/assign-demo.csv';
  const pool = await connectPostgres(config);
  const mongo = await connectMongoStores(config);

  await upsertTenant(pool, DEMO_TENANT, 'Demo Fleet Co.');
  await upsertTenant(pool, 'demo-north', 'Demo Fleet North', DEMO_TENANT);
  await upsertTenant(pool, 'demo-south', 'Demo Fleet South', DEMO_TENANT);
  await createApiKey(pool, DEMO_TENANT, 'demo-operator', 'operator', operatorKey);
  await createApiKey(pool, DEMO_TENANT, 'demo-gateway', 'device_gateway', gatewayKey);
  // The portal's read-only view: everything visible, no write control.
  await createApiKey(pool, DEMO_TENANT, 'demo-viewer', 'read_only', 'do_demo_readonly_key');
  await upsertWorkflowVersion(mongo, { id: DEMO_WORKFLOW_ID, name: 'Standard financing policy', tenantId: DEMO_TENANT, serviceTypeId: 1 });

  const states: [number, number | null][] = [
    [DeviceState.IDLE, null],
    [DeviceState.READY_FOR_USE, null],
    [DeviceState.ACTIVE, null],
    [DeviceState.LOCKED, DeviceState.ACTIVE],
    [DeviceState.ENROLLED, null],
    [DeviceState.RELEASED, null],
  ];
  const devices: SeedDevice[] = states.flatMap(([stateId, previousStateId]) =>
    Array.from({ length: DEVICES_PER_STATE }, (_, i) => ({
      uid: imeiWithCheckDigit(`3590000${stateId}${String(i).padStart(6, '0')}`),
      stateId,
      previousStateId,
    })),
  );
  const inserted = await insertDevices(pool, DEMO_TENANT, devices);

  // A file for direct assignment: READY_FOR_USE and ACTIVE devices, plus two rows that fail
  // validation, so the demo shows both outcomes.
  const assignable = devices.filter((d) => d.stateId === DeviceState.READY_FOR_USE || d.stateId === DeviceState.ACTIVE);
  const csv = ['deviceUid', ...assignable.map((d) => d.uid), '12345', assignable[0]!.uid].join('\n') + '\n';
  await mkdir(dirname(csvPath), { recursive: true });
  await writeFile(csvPath, csv);

  process.stdout.write(
    JSON.stringify({ tenantId: DEMO_TENANT, operatorKey, gatewayKey, workflowId: DEMO_WORKFLOW_ID, devicesInserted: inserted, csvPath }) +
      '\n',
  );
  await Promise.all([pool.end(), closeMongo(mongo)]);
});
