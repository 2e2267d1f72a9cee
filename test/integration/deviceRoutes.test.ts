// GET /v1/devices/:uid shows the device's current temp lock (status, directive, lock end) as the lock
// goes through its life, and every device route honours ?tenantId (a workspace of the caller's tree).
import { DeviceState } from '../../src/domain/deviceStates';
import { imeiWithCheckDigit } from '../../src/domain/deviceUid';
import { createApiKey, insertDevices, upsertTenant } from '../../src/db/inventorySeed';
import { TestStack, startServingStack, waitFor } from './harness';
import { componentSchema, schemaMismatches } from './schemaCheck';
import { call, lockableDevice } from './tempLockSupport';

describe('device routes', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack({ TEMP_LOCK_MINUTE_MS: '60000' }));
  });
  afterAll(() => stop());

  it('GET /v1/devices/:uid carries the current temp lock until it ends', async () => {
    const device = await lockableDevice(stack);
    const path = `/v1/devices/${device.uid}`;
    expect((await call(base, device.operatorKey, 'GET', path)).body.tempLock).toBeNull();

    const assigned = await call(base, device.operatorKey, 'PUT', `${path}/temp-lock`, { durationMinutes: 30 });
    expect(assigned.status).toBe(202);
    const sent = await waitFor('the lock command sent', async () => {
      const seen = await call(base, device.operatorKey, 'GET', path);
      return seen.body.tempLock?.status === 'ACTIVATING' ? seen.body : undefined;
    });
    expect(schemaMismatches(sent, componentSchema('Device'))).toEqual([]);
    expect(sent.tempLock).toMatchObject({ actionId: assigned.body.actionId, directive: 'LOCK', lockEndsAt: null });

    const checkIn = await call(base, device.gatewayKey, 'POST', `${path}/check-in`);
    expect(checkIn.status).toBe(200);
    const locked = await waitFor('the lock activated', async () => {
      const seen = await call(base, device.operatorKey, 'GET', path);
      return seen.body.tempLock?.status === 'ACTIVATED' ? seen.body.tempLock : undefined;
    });
    expect(locked.directive).toBe('LOCK');
    expect(new Date(locked.lockEndsAt).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);

    expect((await call(base, device.operatorKey, 'DELETE', `${path}/temp-lock`)).status).toBe(202);
    await waitFor('the lock gone from the device', async () => (await call(base, device.operatorKey, 'GET', path)).body.tempLock === null);
  });

  it('?tenantId picks the workspace; without it the caller’s own tenant comes first; outside the tree it is 404', async () => {
    const root = stack.uniqueId('dev-root');
    const workspace = stack.uniqueId('dev-ws');
    const other = stack.uniqueId('dev-other');
    await upsertTenant(stack.pool, root, 'Root');
    await upsertTenant(stack.pool, workspace, 'Workspace', root);
    await upsertTenant(stack.pool, other, 'Other');
    const key = await createApiKey(stack.pool, root, 'op', 'operator');
    const stamp = Date.now().toString().slice(-8);
    const shared = imeiWithCheckDigit(`357${stamp}001`);
    const workspaceOnly = imeiWithCheckDigit(`357${stamp}002`);
    await insertDevices(stack.pool, root, [{ uid: shared, stateId: DeviceState.READY_FOR_USE }]);
    await insertDevices(stack.pool, workspace, [
      { uid: shared, stateId: DeviceState.ACTIVE },
      { uid: workspaceOnly, stateId: DeviceState.IDLE },
    ]);
    await insertDevices(stack.pool, other, [{ uid: workspaceOnly, stateId: DeviceState.ACTIVE }]);

    const get = (path: string) => call(base, key, 'GET', path);
    expect((await get(`/v1/devices/${shared}`)).body).toMatchObject({ tenantId: root, state: 'READY_FOR_USE' });
    expect((await get(`/v1/devices/${shared}?tenantId=${workspace}`)).body).toMatchObject({ tenantId: workspace, state: 'ACTIVE' });
    expect((await get(`/v1/devices/${workspaceOnly}`)).body).toMatchObject({ tenantId: workspace, state: 'IDLE' });
    expect((await get(`/v1/devices/${workspaceOnly}?tenantId=${root}`)).status).toBe(404);
    expect((await get(`/v1/devices/${shared}?tenantId=${other}`)).status).toBe(404);

    const history = await get(`/v1/devices/${shared}/history?tenantId=${workspace}`);
    expect(history.status).toBe(200);
    expect(history.body.uid).toBe(shared);
    // A write names the device the same way: outside the tree there is nothing to act on.
    const exit = await call(base, key, 'DELETE', `/v1/devices/${shared}/workflow?tenantId=${other}`);
    expect(exit.status).toBe(404);
  });
});
