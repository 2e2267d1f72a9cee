// State actions in bulk: POST /v1/batches?mode=action&action=<ACTION> runs the per-device workflow for every row,
// with the same results, counters, results CSV and retry as the other modes; each device's history records the
// batch as the actor and BATCH as the channel; LOCK and UNLOCK also reach the device through the gateway.
import { DeviceState } from '../../src/devices/states';
import { TestStack, recordHistory, startServingStack, waitFor } from './harness';
import { apiClient, expectStatus } from './apiClient';
import { BatchTenant, batchRows, batchTenant, csvOf, freshImei, seedDevices, uploadCsv, waitForBatchEnd } from './batchSupport';

describe('state actions in bulk', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let tenant: BatchTenant;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack());
    tenant = await batchTenant(stack);
  });
  afterAll(() => stop());

  it('ACTIVATEs every READY_FOR_USE device; an IDLE one fails INVALID_TRANSITION until it is registered and the batch retried', async () => {
    const ready = await seedDevices(stack, tenant.tenantId, 4, DeviceState.READY_FOR_USE);
    const [idle] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE);
    const missing = freshImei();
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...ready, idle!, missing]), { mode: 'action', action: 'ACTIVATE' });
    const accepted = expectStatus(upload, 202);
    expect(accepted.mode).toBe('action');
    const done = await waitForBatchEnd(base, tenant.apiKey, accepted.batchId);
    expect(done.countersByCode).toEqual({ OK: 4, INVALID_TRANSITION: 1, DEVICE_NOT_FOUND: 1 });
    expect(done).toMatchObject({
      action: 'ACTIVATE',
      channel: 'API',
      actor: { type: 'api_key', name: `user-${tenant.tenantId}`, role: 'operator' },
    });

    const { rows: states } = await stack.pool.query('SELECT uid, state_id FROM t_device WHERE tenant_id = $1 AND uid = ANY($2)', [
      tenant.tenantId,
      ready,
    ]);
    expect(states.every((d) => d.state_id === DeviceState.ACTIVE)).toBe(true);
    const api = apiClient(base, tenant.apiKey);
    const csv = expectStatus(await api.get('/batches/{id}/results.csv', { path: { id: accepted.batchId } }), 200);
    expect(csv).toContain(
      `${idle},FAILED,INVALID_TRANSITION,"ACTIVATE is not allowed from IDLE; allowed actions: REGISTER, ENROLL, RELEASE"`,
    );
    const history = expectStatus(await api.get('/devices/{uid}/history', { path: { uid: ready[0]! } }), 200);
    expect(history.timeline.map((e) => [e.milestone, e.fromState, e.toState, e.channel, e.actor])).toEqual([
      ['ACTIVATE', 'READY_FOR_USE', 'ACTIVE', 'BATCH', { type: 'batch', name: `batch ${accepted.batchId}` }],
    ]);

    expectStatus(await api.post('/devices/{uid}/actions', { path: { uid: idle! }, body: { action: 'REGISTER' } }), 200);
    expectStatus(await api.post('/batches/{id}/retry', { path: { id: accepted.batchId } }), 202);
    await waitFor('the retried row to succeed', async () => (await batchRows(stack, accepted.batchId)).get(idle!)?.code === 'OK');
    const { rows } = await stack.pool.query('SELECT state_id FROM t_device WHERE tenant_id = $1 AND uid = $2', [tenant.tenantId, idle]);
    expect(rows[0].state_id).toBe(DeviceState.ACTIVE);
  });

  it('LOCK and UNLOCK in bulk also tell each device through the gateway, once per device, LOCK before UNLOCK', async () => {
    const devices = await seedDevices(stack, tenant.tenantId, 3, DeviceState.ACTIVE);
    const commandsOf = (uid: string) => stack.gateway.commands.filter((c) => c.deviceUid === uid).map((c) => c.kind);
    for (const action of ['LOCK', 'UNLOCK'] as const) {
      const upload = await uploadCsv(base, tenant.apiKey, csvOf(devices), { mode: 'action', action });
      const { batchId } = expectStatus(upload, 202);
      const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
      expect(done.countersByCode).toEqual({ OK: 3 });
      if (action === 'LOCK') await recordHistory(stack, `device-assign/${batchId}/${devices[0]}`, 'deviceAssign.actionLock');
    }
    for (const uid of devices) expect(commandsOf(uid)).toEqual(['LOCK', 'UNLOCK']);
    const sent = stack.gateway.commands.find((c) => c.deviceUid === devices[0]);
    expect(sent).toMatchObject({ tenantId: tenant.tenantId, deviceUid: devices[0] });
    expect(sent?.actionId).toMatch(/^batch-/);
  });

  it('records an upload from the portal (X-Client-Channel: PORTAL) as channel PORTAL', async () => {
    const [device] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.ACTIVE);
    const upload = await uploadCsv(
      base,
      tenant.apiKey,
      csvOf([device!]),
      { mode: 'action', action: 'RELEASE' },
      { 'X-Client-Channel': 'PORTAL' },
    );
    const done = await waitForBatchEnd(base, tenant.apiKey, expectStatus(upload, 202).batchId);
    expect(done).toMatchObject({ action: 'RELEASE', channel: 'PORTAL', countersByCode: { OK: 1 } });
  });

  it('refuses mode action without a state action, and an action with another mode', async () => {
    const missingAction = await uploadCsv(base, tenant.apiKey, csvOf([freshImei()]), { mode: 'action' });
    expect(expectStatus(missingAction, 400).detail).toContain('mode action needs action=REGISTER|ACTIVATE');
    const stray = await uploadCsv(base, tenant.apiKey, csvOf([freshImei()]), { mode: 'exit', action: 'LOCK' });
    expect(expectStatus(stray, 400).detail).toBe('action applies only to mode action');
  });
});
