// The inventory upload (seed 001) and seed 000's state rules through POST /v1/batches: register mode without a
// workflow only registers (devices end READY_FOR_USE, rows OK, no workflow assigned); exit refuses devices
// outside READY_FOR_USE, ACTIVE and LOCKED with WRONG_STATE_DEVICE.
import { DeviceState } from '../../src/devices/states';
import { TestStack, startServingStack, waitFor } from './harness';
import { apiClient, expectStatus } from './apiClient';
import { BatchTenant, batchRows, batchTenant, csvOf, freshImei, seedDevices, uploadCsv, waitForBatchEnd } from './batchSupport';

describe('inventory upload', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let tenant: BatchTenant;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack());
    tenant = await batchTenant(stack);
  });
  afterAll(() => stop());

  it('register mode without a workflow registers IDLE devices, creates missing ones and leaves READY_FOR_USE ones as they are', async () => {
    const idle = await seedDevices(stack, tenant.tenantId, 3, DeviceState.IDLE);
    const [ready] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.READY_FOR_USE);
    const [active] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.ACTIVE);
    const missing = freshImei();
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...idle, ready!, active!, missing]), {
      mode: 'register',
      createMissing: true,
      serviceTypeId: 2,
    });
    const batchId = expectStatus(upload, 202).batchId;
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.countersByCode).toEqual({ OK: 5, REGISTER_FAILED: 1 });
    const rows = await batchRows(stack, batchId);
    expect(rows.get(active!)?.code).toBe('REGISTER_FAILED');
    expect(rows.get(ready!)?.code).toBe('OK');

    const { rows: devices } = await stack.pool.query(
      'SELECT uid, state_id, service_type_id FROM t_device WHERE tenant_id = $1 AND uid = ANY($2)',
      [tenant.tenantId, [...idle, ready!, missing]],
    );
    expect(devices).toHaveLength(5);
    expect(devices.every((d) => d.state_id === DeviceState.READY_FOR_USE)).toBe(true);
    expect(devices.find((d) => d.uid === missing)?.service_type_id).toBe(2);
    expect(await stack.mongo.devices.countDocuments({ tenant_id: tenant.tenantId, device_uid: { $in: [...idle, missing] } })).toBe(0);

    const history = expectStatus(await apiClient(base, tenant.apiKey).get('/devices/{uid}/history', { path: { uid: idle[0]! } }), 200);
    expect(history.timeline.map((e) => [e.milestone, e.channel, e.actor])).toEqual([
      ['REGISTER', 'BATCH', { type: 'batch', name: `batch ${batchId}` }],
    ]);
  });

  it('keeps the optional columns imei2, deviceType and provisionType on the devices it creates (the API finds a device by either IMEI); an unknown deviceType fails its row', async () => {
    const [tablet, phone, odd] = [freshImei(), freshImei(), freshImei()];
    const imei2 = freshImei();
    const csv = `deviceUid,imei2,deviceType,provisionType\n${tablet},${imei2},tablet,KNOX\n${phone},,,\n${odd},,PHABLET,\n`;
    const upload = await uploadCsv(base, tenant.apiKey, csv, { mode: 'register', createMissing: true, serviceTypeId: 1 });
    const batchId = expectStatus(upload, 202).batchId;
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.countersByCode).toEqual({ OK: 2, INVALID_DEVICE_TYPE: 1 });
    const { rows } = await stack.pool.query(
      `SELECT uid, imei2, device_type, ext_fields->>'provision_type' AS provision_type FROM t_device WHERE tenant_id = $1 AND uid = ANY($2) ORDER BY uid = $3 DESC`,
      [tenant.tenantId, [tablet, phone, odd], tablet],
    );
    expect(rows).toEqual([
      { uid: tablet, imei2, device_type: 2, provision_type: 'KNOX' },
      { uid: phone, imei2: null, device_type: 1, provision_type: null },
    ]);
    const device = expectStatus(await apiClient(base, tenant.apiKey).get('/devices/{uid}', { path: { uid: tablet } }), 200);
    expect(device).toMatchObject({ imei2, deviceType: 2, state: 'READY_FOR_USE' });
    // Either IMEI names the device wherever the API takes a UID.
    const api = apiClient(base, tenant.apiKey);
    expect(expectStatus(await api.get('/devices/{uid}', { path: { uid: imei2 } }), 200).uid).toBe(tablet);
    const activated = await api.post('/devices/{uid}/actions', { path: { uid: imei2 }, body: { action: 'ACTIVATE' } });
    expect(expectStatus(activated, 200)).toMatchObject({ uid: tablet, state: 'ACTIVE' });
  });

  it('finds a device an upload names by its second IMEI, in the preview and in the run (seed 001)', async () => {
    const [uid, imei2] = [freshImei(), freshImei()];
    const register = await uploadCsv(base, tenant.apiKey, `deviceUid,imei2\n${uid},${imei2}\n`, {
      mode: 'register',
      createMissing: true,
      serviceTypeId: 1,
    });
    await waitForBatchEnd(base, tenant.apiKey, expectStatus(register, 202).batchId);

    const preview = await uploadCsv(base, tenant.apiKey, csvOf([imei2]), { mode: 'action', action: 'ACTIVATE', preview: true });
    const { batchId, predicted } = expectStatus(preview, 201);
    expect(predicted).toEqual({ OK: 1 });
    const api = apiClient(base, tenant.apiKey);
    expectStatus(await api.post('/batches/{id}/start', { path: { id: batchId } }), 202);
    expect((await waitForBatchEnd(base, tenant.apiKey, batchId)).countersByCode).toEqual({ OK: 1 });
    expect(expectStatus(await api.get('/devices/{uid}', { path: { uid } }), 200).state).toBe('ACTIVE');

    const locked = await uploadCsv(base, tenant.apiKey, csvOf([imei2]), { mode: 'action', action: 'LOCK' });
    expect((await waitForBatchEnd(base, tenant.apiKey, expectStatus(locked, 202).batchId)).countersByCode).toEqual({ OK: 1 });
    // The gateway command names the device by its own UID.
    await waitFor('the LOCK sent', async () => stack.gateway.commands.some((c) => c.deviceUid === uid && c.kind === 'LOCK'));
  });

  it('register mode creating missing devices without a workflow needs a service type', async () => {
    const refused = await uploadCsv(base, tenant.apiKey, csvOf([freshImei()]), { mode: 'register', createMissing: true });
    expect(expectStatus(refused, 400).detail).toContain('serviceTypeId is required');
  });

  it('exit refuses devices outside READY_FOR_USE, ACTIVE and LOCKED with WRONG_STATE_DEVICE (seed 000)', async () => {
    const [idle] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE);
    const [enrolled] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.ENROLLED);
    const [released] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.RELEASED);
    const [active] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.ACTIVE);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([idle!, enrolled!, released!, active!]), { mode: 'exit' });
    const batchId = expectStatus(upload, 202).batchId;
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.countersByCode).toEqual({ WRONG_STATE_DEVICE: 3, DEVICE_HAS_NO_WORKFLOW: 1 });
    expect((await batchRows(stack, batchId)).get(active!)?.code).toBe('DEVICE_HAS_NO_WORKFLOW');
  });
});
