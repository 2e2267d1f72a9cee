// GET /v1/devices/:uid shows the device's current temp lock (status, directive, lock end) as the lock
// goes through its life, and every device route honours ?tenantId (a workspace of the caller's tree).
import { DeviceState } from '../../src/devices/states';
import { imeiWithCheckDigit, createApiKey, insertDevices, upsertTenant } from '../../dev/inventorySeed';
import { TestStack, startServingStack, waitFor } from './harness';
import { apiClient, expectStatus } from './apiClient';
import { cancelLock, lockClients, lockableDevice } from './tempLockSupport';

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
    const { operator, gateway, uid } = lockClients(base, device);
    // The typed client checks every answer against the Device schema of the document.
    const getDevice = async () => expectStatus(await operator.get('/devices/{uid}', uid), 200);
    expect((await getDevice()).tempLock).toBeNull();

    const assigned = expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 30 } }), 202);
    const sent = await waitFor('the lock command sent', async () => {
      const seen = await getDevice();
      return seen.tempLock?.status === 'ACTIVATING' ? seen : undefined;
    });
    expect(sent.tempLock).toMatchObject({ actionId: assigned.actionId, directive: 'LOCK', lockEndsAt: null });

    expectStatus(await gateway.post('/devices/{uid}/check-in', uid), 200);
    const locked = await waitFor('the lock activated', async () => {
      const seen = await getDevice();
      return seen.tempLock?.status === 'ACTIVATED' ? seen.tempLock : undefined;
    });
    expect(locked.directive).toBe('LOCK');
    expect(new Date(locked.lockEndsAt!).getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);

    await cancelLock(base, device, assigned.actionId);
    await waitFor('the lock gone from the device', async () => (await getDevice()).tempLock === null);
  });

  it('?tenantId picks the workspace (and what is under it); without it the caller’s own tenant comes first; outside the tree it is 404', async () => {
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
    const rootOnly = imeiWithCheckDigit(`357${stamp}003`);
    await insertDevices(stack.pool, root, [
      { uid: shared, stateId: DeviceState.READY_FOR_USE },
      { uid: rootOnly, stateId: DeviceState.ACTIVE },
    ]);
    await insertDevices(stack.pool, workspace, [
      { uid: shared, stateId: DeviceState.ACTIVE },
      { uid: workspaceOnly, stateId: DeviceState.IDLE },
    ]);
    await insertDevices(stack.pool, other, [{ uid: workspaceOnly, stateId: DeviceState.ACTIVE }]);

    const api = apiClient(base, key);
    const get = (uid: string, tenantId?: string) => api.get('/devices/{uid}', { path: { uid }, query: { tenantId } });
    expect((await get(shared)).body).toMatchObject({ tenantId: root, state: 'READY_FOR_USE' });
    expect((await get(shared, workspace)).body).toMatchObject({ tenantId: workspace, state: 'ACTIVE' });
    expect((await get(workspaceOnly)).body).toMatchObject({ tenantId: workspace, state: 'IDLE' });
    expect((await get(rootOnly, workspace)).status).toBe(404);
    expect((await get(shared, other)).status).toBe(404);
    // A workspace's key sees its own subtree only.
    const fromWorkspace = apiClient(base, await createApiKey(stack.pool, workspace, 'ws-op', 'operator'));
    expect((await fromWorkspace.get('/devices/{uid}', { path: { uid: shared } })).body).toMatchObject({ tenantId: workspace });
    expect((await fromWorkspace.get('/devices/{uid}', { path: { uid: rootOnly } })).status).toBe(404);

    const history = await api.get('/devices/{uid}/history', { path: { uid: shared }, query: { tenantId: workspace } });
    expect(expectStatus(history, 200).uid).toBe(shared);
    // A write names the device the same way: outside the tree there is nothing to act on.
    const exit = await api.delete('/devices/{uid}/workflow', { path: { uid: shared }, query: { tenantId: other } });
    expect(exit.status).toBe(404);
  });
});
