// A lock always ends with the device unlocked and told so (SPEC §9, "A lock's end"), against a gateway over HTTP
// that behaves like a real one: its device checks in 5 ms after it receives an UNLOCK. A cancel, an override or
// a refused UNLOCK never leaves a check-in answered LOCK after the UNLOCK, and never fails the lock's execution.
import { DeviceState } from '../../src/devices/states';
import { tempLockWorkflowId } from '../../src/tempLocks/lock';
import { expectStatus } from './apiClient';
import { expectActivityFailures } from '../sdkRuntime';
import { TestStack, recordHistory, startServingStack, waitFor } from './harness';
import { HttpGatewayDouble } from './httpGatewayDouble';
import { LockableDevice, deviceRow, lockClients, lockableDevice, statusesOf, waitForDeviceState, waitForStatus } from './tempLockSupport';

jest.setTimeout(120_000);

interface Told {
  actionId: string | null;
  directive: string;
  status: string | null;
  at: number;
}

describe('TempLock: the end of a lock, with a gateway over HTTP', () => {
  let gateway: HttpGatewayDouble;
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    gateway = await HttpGatewayDouble.start();
    ({ stack, base, stop } = await startServingStack({ GATEWAY_URL: gateway.url, TEMP_LOCK_DEACTIVATION_WAIT_MS: '3000' }));
  });
  afterAll(async () => {
    await stop();
    await gateway.close();
  });

  /** A device whose every check-in (by the test or on its UNLOCK push) is kept with its answer. */
  function deviceTold(device: LockableDevice): { told: Told[]; checkIn: () => Promise<Told> } {
    const { gateway: deviceApi, uid } = lockClients(base, device);
    const told: Told[] = [];
    const checkIn = async () => {
      const answer = expectStatus(await deviceApi.post('/devices/{uid}/check-in', uid), 200);
      const entry = { actionId: answer.actionId, directive: answer.directive, status: answer.status, at: Date.parse(answer.checkedInAt) };
      told.push(entry);
      return entry;
    };
    gateway.deviceChecksInOnUnlock(device.uid, checkIn);
    return { told, checkIn };
  }

  /** An ACTIVATED 60-minute lock on a READY_FOR_USE device, locked in the inventory. */
  async function activatedLock(device: LockableDevice, checkIn: () => Promise<Told>): Promise<string> {
    const { operator, uid } = lockClients(base, device);
    const { actionId } = expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 60 } }), 202);
    await waitForStatus(stack, actionId, 'ACTIVATING');
    expect(await checkIn()).toMatchObject({ directive: 'LOCK', actionId });
    await waitForStatus(stack, actionId, 'ACTIVATED');
    await waitForDeviceState(stack, device.deviceId, DeviceState.LOCKED);
    return actionId;
  }

  /** Nothing told the device LOCK for `actionId` once an UNLOCK for it reached the gateway. */
  function expectNoLockAfterUnlock(told: Told[], actionId: string): void {
    const firstUnlock = gateway.requestsFor(actionId).find((r) => r.kind === 'UNLOCK');
    expect(firstUnlock).toBeDefined();
    const after = told.filter((t) => t.actionId === actionId && t.at >= firstUnlock!.at);
    expect(after.length).toBeGreaterThan(0);
    expect(after.map((t) => t.directive)).not.toContain('LOCK');
  }

  it('cancel: the check-in right after the UNLOCK is told UNLOCK, and confirms it; the lock ends CANCELLED, the device resumed', async () => {
    const device = await lockableDevice(stack, { stateId: DeviceState.READY_FOR_USE });
    const { told, checkIn } = deviceTold(device);
    const actionId = await activatedLock(device, checkIn);
    const { operator, uid } = lockClients(base, device);

    expect(expectStatus(await operator.delete('/devices/{uid}/temp-lock', uid), 202)).toMatchObject({ actionId, status: 'CANCELLING' });
    await waitFor('the device to check in after its UNLOCK', async () => told.length > 1);
    expect(told[1]).toMatchObject({ actionId, directive: 'UNLOCK' });
    // Confirmed by that check-in: CANCELLED well before the 3 s deactivation wait.
    await waitForStatus(stack, actionId, 'CANCELLED');
    expectNoLockAfterUnlock(told, actionId);
    expect(await statusesOf(stack, actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'CANCELLED']);
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.READY_FOR_USE, ext_fields: {} });
    expect(await checkIn()).toMatchObject({ directive: 'NONE', actionId });
    // The execution completes once the final status's write is in its history (a workflow task later).
    const handle = stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid));
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  });

  it('override: the old lock is never told LOCK after its UNLOCK; the new lock takes over', async () => {
    const device = await lockableDevice(stack);
    const { told, checkIn } = deviceTold(device);
    const first = await activatedLock(device, checkIn);
    const { operator, uid } = lockClients(base, device);

    const second = expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 30 } }), 202);
    expect(second.overriddenActionId).toBe(first);
    await waitFor('the device to check in after its UNLOCK', async () => told.length > 1);
    expectNoLockAfterUnlock(told, first);
    expect(await stack.mongo.deviceActions.findOne({ _id: first })).toMatchObject({ status: 'CANCELLED' });
    await waitForStatus(stack, second.actionId, 'ACTIVATING');
    expect(await checkIn()).toMatchObject({ directive: 'LOCK', actionId: second.actionId });
    await waitForStatus(stack, second.actionId, 'ACTIVATED');
    expect(expectStatus(await operator.delete('/devices/{uid}/temp-lock', uid), 202)).toMatchObject({ actionId: second.actionId });
    await waitForStatus(stack, second.actionId, 'CANCELLED');
    expectNoLockAfterUnlock(told, second.actionId);
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE, ext_fields: {} });
  });

  it('a refused UNLOCK (404 "device not locked") ends the lock FAILED, saying so; the execution completes, nothing answers LOCK', async () => {
    const device = await lockableDevice(stack, { stateId: DeviceState.READY_FOR_USE });
    const { told, checkIn } = deviceTold(device);
    const actionId = await activatedLock(device, checkIn);
    gateway.answer(device.uid, 'UNLOCK', { status: 404, message: 'device not locked' });
    // The refused attempt is a warning of the SDK's worker: collected (and counted below), not printed.
    const refusal = expectActivityFailures('sendUnlockCommand', /GATEWAY_REFUSED .*404 device not locked/);
    const { operator, uid } = lockClients(base, device);

    expectStatus(await operator.delete('/devices/{uid}/temp-lock', uid), 202);
    const failed = await waitForStatus(stack, actionId, 'FAILED');
    expect(failed.cancel_reason).toMatch(/refused UNLOCK for device .*: 404 device not locked/);
    expect(failed.note).toMatch(/may still be locked/);
    expect(refusal.entries).toHaveLength(1);
    // The execution completes once the final status's write is in its history (a workflow task later).
    const handle = stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid));
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    // The inventory says what the product knows: the device may still be locked.
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.LOCKED });
    expect(await checkIn()).toMatchObject({ directive: 'NONE', actionId, status: 'FAILED' });
    expect(told.filter((t) => t.directive === 'LOCK')).toHaveLength(1);
    expect(expectStatus(await operator.get('/devices/{uid}/temp-lock', uid), 200)).toMatchObject({
      status: 'FAILED',
      running: false,
      failureReason: expect.stringContaining('device not locked'),
      note: expect.stringContaining('unlock it in the device-control service'),
    });
    await recordHistory(stack, tempLockWorkflowId(device.tenantId, device.uid), 'tempLock.unlockRefused');
  });

  it('an UNLOCK answered 401, 409 and 503 (a credential rotation, a busy device, an outage) is retried until the gateway takes it', async () => {
    const device = await lockableDevice(stack, { stateId: DeviceState.READY_FOR_USE });
    const { told, checkIn } = deviceTold(device);
    const actionId = await activatedLock(device, checkIn);
    gateway.answer(
      device.uid,
      'UNLOCK',
      { status: 401, message: 'token expired' },
      { status: 409, message: 'device busy' },
      { status: 503, message: 'down for maintenance' },
    );
    // Each answer not taken fails an attempt: a warning of the SDK's worker, collected (and counted below), not printed.
    const notTaken = expectActivityFailures(
      'sendUnlockCommand',
      /GatewayNotTaken .*(401 token expired|409 device busy|503 down for maintenance)/,
    );
    const { operator, uid } = lockClients(base, device);

    expectStatus(await operator.delete('/devices/{uid}/temp-lock', uid), 202);
    await waitForStatus(stack, actionId, 'CANCELLED');
    expect(gateway.requestsFor(actionId).map((r) => `${r.kind} ${r.status}`)).toEqual([
      'LOCK 200',
      'UNLOCK 401',
      'UNLOCK 409',
      'UNLOCK 503',
      'UNLOCK 200',
    ]);
    expect(notTaken.entries).toHaveLength(3);
    expectNoLockAfterUnlock(told, actionId);
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.READY_FOR_USE });
  });
});
