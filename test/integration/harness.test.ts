// The harness end to end: a workflow on the real Temporal dev server, run by our worker, writes
// and reads real PostgreSQL and MongoDB; the API answers health and readiness.
import { DeviceState } from '../../src/domain/deviceStates';
import { imeiWithCheckDigit } from '../../src/domain/deviceUid';
import { insertDevices, upsertTenant } from '../../src/db/inventorySeed';
import { storesProbe } from '../../src/workflows';
import { TestStack, createTenantWithKey, recordHistory, startTestStack } from './harness';

describe('harness: Temporal + PostgreSQL + MongoDB + API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack.close());

  it('runs a workflow that registers a device in PostgreSQL and ensures its MongoDB document', async () => {
    const tenantId = stack.uniqueId('tenant');
    await upsertTenant(stack.pool, tenantId, 'Harness tenant');
    const uid = imeiWithCheckDigit('35000000000001');
    await insertDevices(stack.pool, tenantId, [{ uid, stateId: DeviceState.IDLE }]);

    const worker = await stack.newWorker();
    const result = await worker.runUntil(
      stack.client.workflow.execute(storesProbe, {
        taskQueue: stack.taskQueue,
        workflowId: `stores-probe/${tenantId}`,
        args: [{ tenantId, deviceUid: uid }],
      }),
    );

    await recordHistory(stack, `stores-probe/${tenantId}`, 'storesProbe.register');
    expect(result).toEqual({
      stateBefore: DeviceState.IDLE,
      stateAfter: DeviceState.READY_FOR_USE,
      registered: true,
      message: null,
      documentHasWorkflow: false,
    });
    const history = await stack.pool.query(
      `SELECT h.milestone_type, h.from_state_id, h.to_state_id, h.source FROM t_device_history h
         JOIN t_device d ON d.id = h.device_id WHERE d.tenant_id = $1`,
      [tenantId],
    );
    expect(history.rows).toEqual([{ milestone_type: 'REGISTER', from_state_id: 1, to_state_id: 2, source: 'SYSTEM' }]);
    expect(await stack.mongo.devices.countDocuments({ tenant_id: tenantId, device_uid: uid })).toBe(1);
  });

  it('answers /healthz, /readyz with all three services, and refuses /v1 without a key', async () => {
    const base = await stack.startApi();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { temporal: 'ok', postgresql: 'ok', mongodb: 'ok' } });

    const anonymous = await fetch(`${base}/v1/me`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const { tenantId, apiKey } = await createTenantWithKey(stack);
    const me = await fetch(`${base}/v1/me`, { headers: { 'X-API-Key': apiKey } });
    expect(await me.json()).toMatchObject({ tenantId, role: 'operator', tenantTree: [tenantId] });
  });
});
