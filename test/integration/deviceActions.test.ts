// POST /v1/devices/:uid/actions: state actions through the one state machine, each recorded in the device's
// history with who (the key's name and role), through what channel (API, or PORTAL by X-Client-Channel) and the
// note; a transition the table refuses is 409 INVALID_TRANSITION naming the action, the state and what is allowed;
// a repeated Idempotency-Key applies once; LOCK/UNLOCK by hand reach the device through the gateway, and are
// refused while a temp lock runs.
import { createApiKey } from '../../dev/inventorySeed';
import { DeviceState } from '../../src/devices/states';
import { TestStack, recordHistory, startServingStack, waitFor } from './harness';
import { apiClient, expectStatus } from './apiClient';
import { activityError, expectSdkWarnings } from '../sdkRuntime';
import { cancelLock, lockClients, lockableDevice } from './tempLockSupport';

describe('device state actions', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack({ TEMP_LOCK_MINUTE_MS: '60000' }));
  });
  afterAll(() => stop());

  it('walks a device IDLE → READY_FOR_USE → ACTIVE → LOCKED → ACTIVE → RELEASED, each step in its history with actor, channel and note', async () => {
    const device = await lockableDevice(stack, { withWorkflow: false, stateId: DeviceState.IDLE });
    const { operator, uid } = lockClients(base, device);
    const act = (action: 'REGISTER' | 'ACTIVATE' | 'LOCK' | 'UNLOCK' | 'RELEASE', note?: string, headers?: Record<string, string>) =>
      operator.post('/devices/{uid}/actions', { ...uid, body: { action, note }, headers });

    const registered = expectStatus(await act('REGISTER', 'received in the warehouse'), 200);
    expect(registered).toMatchObject({ uid: device.uid, previousState: 'IDLE', state: 'READY_FOR_USE' });
    expect(registered.allowedActions).toEqual(['ACTIVATE', 'LOCK', 'RELEASE']);
    expect(expectStatus(await act('ACTIVATE'), 200)).toMatchObject({ previousState: 'READY_FOR_USE', state: 'ACTIVE' });
    expect(expectStatus(await act('LOCK', 'customer missed a payment', { 'X-Client-Channel': 'PORTAL' }), 200)).toMatchObject({
      state: 'LOCKED',
      allowedActions: ['UNLOCK', 'RELEASE'],
    });
    expect(expectStatus(await act('UNLOCK'), 200)).toMatchObject({ previousState: 'LOCKED', state: 'ACTIVE' });
    const released = expectStatus(await act('RELEASE', 'contract ended'), 200);
    expect(released).toMatchObject({ state: 'RELEASED', allowedActions: [] });

    const device_ = expectStatus(await operator.get('/devices/{uid}', uid), 200);
    expect(device_.state).toBe('RELEASED');
    const { timeline } = expectStatus(await operator.get('/devices/{uid}/history', uid), 200);
    expect(timeline.map((e) => [e.milestone, e.fromState, e.toState, e.channel, e.note])).toEqual([
      ['REGISTER', 'IDLE', 'READY_FOR_USE', 'API', 'received in the warehouse'],
      ['ACTIVATE', 'READY_FOR_USE', 'ACTIVE', 'API', null],
      ['LOCK', 'ACTIVE', 'LOCKED', 'PORTAL', 'customer missed a payment'],
      ['UNLOCK', 'LOCKED', 'ACTIVE', 'API', null],
      ['RELEASE', 'ACTIVE', 'RELEASED', 'API', 'contract ended'],
    ]);
    for (const entry of timeline) expect(entry.actor).toEqual({ type: 'api_key', name: `user-${device.tenantId}`, role: 'operator' });
    const historyIds = await stack.pool.query('SELECT id FROM t_device_history WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [
      device.deviceId,
    ]);
    expect(released.historyEntryId).toBe(Number(historyIds.rows[0].id));
  });

  it('sends LOCK and UNLOCK by hand to the device through the gateway after answering, once per Idempotency-Key', async () => {
    const device = await lockableDevice(stack, { withWorkflow: false, stateId: DeviceState.ACTIVE });
    const { operator, uid } = lockClients(base, device);
    const act = (action: 'LOCK' | 'UNLOCK', key: string) =>
      operator.post('/devices/{uid}/actions', { ...uid, body: { action }, headers: { 'Idempotency-Key': key } });
    const commands = () => stack.gateway.commands.filter((c) => c.deviceUid === device.uid);

    const locked = expectStatus(await act('LOCK', 'lock-1'), 200);
    expect(locked).toMatchObject({ previousState: 'ACTIVE', state: 'LOCKED' });
    expect(locked.gatewayCommand?.temporalUi).toContain('device-action');
    expect(expectStatus(await act('LOCK', 'lock-1'), 200)).toEqual(locked);
    await waitFor('the LOCK sent to the device', async () => commands().length === 1);
    const unlocked = expectStatus(await act('UNLOCK', 'unlock-1'), 200);
    await waitFor('the UNLOCK sent to the device', async () => commands().length === 2);
    expect(commands().map((c) => [c.kind, c.actionId, c.tenantId])).toEqual([
      ['LOCK', `state-action-${locked.historyEntryId}`, device.tenantId],
      ['UNLOCK', `state-action-${unlocked.historyEntryId}`, device.tenantId],
    ]);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM t_device_history WHERE device_id = $1', [device.deviceId]);
    expect(rows[0].n).toBe(2);
    const lockRun = workflowIdOf(locked.gatewayCommand!.temporalUi);
    expect(await stack.client.workflow.getHandle(lockRun).result()).toEqual({ kind: 'LOCK', sent: true, reason: null });
    await recordHistory(stack, lockRun, 'deviceStateAction.lock');
  });

  it("keeps the LOCK a gateway refuses for the device: the state is the operator's, the refusal is the workflow's result", async () => {
    const device = await lockableDevice(stack, { withWorkflow: false, stateId: DeviceState.ACTIVE });
    const { operator, uid } = lockClients(base, device);
    stack.gateway.refuseDevice(device.uid, 404, 'unknown device');
    // The refused LOCK's attempt and the workflow's note of it are warnings of the SDK: collected (and checked below), not printed.
    const refusal = expectSdkWarnings(
      (entry) =>
        (entry.message === 'Activity failed' && /GATEWAY_REFUSED .*404 unknown device/.test(activityError(entry))) ||
        (entry.message === 'the gateway did not take a state action' && entry.meta?.deviceUid === device.uid),
    );
    const locked = expectStatus(await operator.post('/devices/{uid}/actions', { ...uid, body: { action: 'LOCK' } }), 200);
    expect(locked.state).toBe('LOCKED');
    const outcome = await stack.client.workflow.getHandle(workflowIdOf(locked.gatewayCommand!.temporalUi)).result();
    expect(outcome).toMatchObject({ kind: 'LOCK', sent: false });
    expect(outcome.reason).toContain('unknown device');
    // The workflow's own warning reaches the log once its task completes, which may be after the client has the result.
    await waitFor('both warnings', async () => refusal.entries.length >= 2);
    expect(refusal.entries.map((entry) => entry.message).sort()).toEqual(['Activity failed', 'the gateway did not take a state action']);
  });

  it('refuses a transition the table does not allow with 409 INVALID_TRANSITION naming the action, the state and the allowed actions', async () => {
    const device = await lockableDevice(stack, { withWorkflow: false, stateId: DeviceState.IDLE });
    const { operator, uid } = lockClients(base, device);
    const refused = expectStatus(await operator.post('/devices/{uid}/actions', { ...uid, body: { action: 'ACTIVATE' } }), 409);
    expect(refused).toMatchObject({
      code: 'INVALID_TRANSITION',
      action: 'ACTIVATE',
      state: 'IDLE',
      allowedActions: ['REGISTER', 'ENROLL', 'RELEASE'],
      deviceUid: device.uid,
    });
    expect(refused.detail).toContain(device.uid);
    expect(refused.detail).toContain('ACTIVATE is not allowed from IDLE');
    const { rows } = await stack.pool.query('SELECT state_id FROM t_device WHERE id = $1', [device.deviceId]);
    expect(rows[0].state_id).toBe(DeviceState.IDLE);
    expect(expectStatus(await operator.get('/devices/{uid}/history', uid), 200).timeline).toEqual([]);

    const unknown = await operator.post('/devices/{uid}/actions', { ...uid, body: { action: 'EXPLODE' as 'LOCK' } });
    expect(expectStatus(unknown, 400).detail).toContain('action must be one of REGISTER, ACTIVATE');
    const readOnly = apiClient(base, await createApiKey(stack.pool, device.tenantId, 'viewer', 'read_only'));
    expect((await readOnly.post('/devices/{uid}/actions', { ...uid, body: { action: 'ENROLL' } })).status).toBe(403);
  });

  it('applies an action once per Idempotency-Key and answers the repeat with the first answer', async () => {
    const device = await lockableDevice(stack, { withWorkflow: false, stateId: DeviceState.IDLE });
    const { operator, uid } = lockClients(base, device);
    const enroll = () =>
      operator.post('/devices/{uid}/actions', {
        ...uid,
        body: { action: 'ENROLL', note: 'fleet 7' },
        headers: { 'Idempotency-Key': 'enroll-1' },
      });
    const first = expectStatus(await enroll(), 200);
    const again = await enroll();
    expect(expectStatus(again, 200)).toEqual(first);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM t_device_history WHERE device_id = $1', [device.deviceId]);
    expect(rows[0].n).toBe(1);
  });

  it('refuses LOCK and UNLOCK by hand while a temp lock runs on the device, naming the lock', async () => {
    const device = await lockableDevice(stack);
    const { operator, uid } = lockClients(base, device);
    const assigned = expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 30 } }), 202);
    await waitFor('the temp lock running', async () => expectStatus(await operator.get('/devices/{uid}', uid), 200).tempLock !== null);

    const refused = expectStatus(await operator.post('/devices/{uid}/actions', { ...uid, body: { action: 'LOCK' } }), 409);
    expect(refused).toMatchObject({ code: 'TEMP_LOCK_RUNNING', action: 'LOCK', tempLockActionId: assigned.actionId });
    expect(refused.detail).toContain(`temp lock ${assigned.actionId}`);
    const { rows } = await stack.pool.query('SELECT state_id FROM t_device WHERE id = $1', [device.deviceId]);
    expect(rows[0].state_id).toBe(DeviceState.ACTIVE);

    await cancelLock(base, device, assigned.actionId);
    expect(expectStatus(await operator.post('/devices/{uid}/actions', { ...uid, body: { action: 'LOCK' } }), 200).state).toBe('LOCKED');
  });
});

/** The Temporal workflow id in a Web UI link the API answered. */
function workflowIdOf(temporalUi: string): string {
  return decodeURIComponent(new URL(temporalUi).pathname.split('/workflows/')[1]!);
}
