// Cancelling a temp lock in each status, and overriding it with a new assign (also two at once).
import { DeviceState } from '../../src/devices/states';
import { tempLockWorkflowId } from '../../src/tempLocks/lock';
import { WEEKDAYS } from '../../src/tenants/workingHours';
import { expectStatus } from './apiClient';
import { activityError, expectSdkWarnings } from '../sdkRuntime';
import { TestStack, recordHistory, startServingStack, waitFor } from './harness';
import {
  LockableDevice,
  TempLockRequest,
  cancelLock,
  commandsOf,
  deviceRow,
  checkInDevice,
  lockableDevice,
  lockClients,
  milestones,
  statusesOf,
  waitForCommand,
  waitForDeviceState,
  waitForStatus,
} from './tempLockSupport';

jest.setTimeout(120_000);

describe('TempLock: cancel and override', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack({ TEMP_LOCK_MINUTE_MS: '1000', TEMP_LOCK_DEACTIVATION_WAIT_MS: '600000' }));
  });
  afterAll(async () => {
    await stop();
  });

  const assign = async (device: LockableDevice, body: TempLockRequest) => {
    const { operator, uid } = lockClients(base, device);
    return expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body }), 202);
  };
  const checkIn = (device: LockableDevice) => checkInDevice(base, device);
  /** Cancels, the device checking in until the lock has ended; what the device was told meanwhile. */
  const cancel = async (device: LockableDevice, actionId: string) => {
    const told = await cancelLock(base, device, actionId);
    await stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid)).result();
    return told;
  };

  it('cancels while WAITING for working hours (a holiday today is skipped): nothing was sent', async () => {
    const device = await lockableDevice(stack);
    const today = new Date().toISOString().slice(0, 10);
    const everyDay = WEEKDAYS.map((day) => ({ day, start: '00:00', end: '24:00' }));
    const saved = await lockClients(base, device).operator.put('/tenants/{id}/working-hours', {
      path: { id: device.tenantId },
      body: {
        timeZone: 'UTC',
        windows: everyDay,
        holidays: [today],
      },
    });
    expect(saved.status).toBe(200);
    const { actionId } = await assign(device, { durationMinutes: 5, workingHours: true });
    const tomorrow = new Date(`${today}T00:00:00.000Z`).getTime() + 24 * 3_600_000;
    await waitFor('the wait for tomorrow', async () => (await stack.mongo.deviceActions.findOne({ _id: actionId, seq: 2 })) ?? undefined);
    const waiting = await stack.mongo.deviceActions.findOne({ _id: actionId });
    expect(waiting).toMatchObject({ status: 'WAITING', next_process_time: new Date(tomorrow) });
    expect((await checkIn(device)).body).toMatchObject({ directive: 'NONE', actionId, status: 'WAITING' });

    await cancel(device, actionId);
    expect(commandsOf(stack, actionId)).toEqual([]);
    expect(await statusesOf(stack, actionId)).toEqual(['WAITING', 'WAITING', 'CANCELLED']);
    expect(await milestones(stack, device.deviceId)).toEqual(['TEMP_LOCK_ASSIGNED', 'TEMP_LOCK_CANCELLED']);
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE });
  });

  it('cancels while ACTIVATING: the lock command is taken back', async () => {
    const device = await lockableDevice(stack);
    const { actionId } = await assign(device, { durationMinutes: 5 });
    await waitForStatus(stack, actionId, 'ACTIVATING');
    // Sent, not only queued on the LOCK commands' task queue (a queued one is cancelled unsent).
    await waitForCommand(stack, actionId, 'LOCK');
    const told = await cancel(device, actionId);
    // A check-in before the cancel reached the lock may still be told LOCK; none after the first UNLOCK.
    expect(told.slice(told.indexOf('UNLOCK'))).not.toContain('LOCK');
    expect(told).toContain('UNLOCK');
    expect(commandsOf(stack, actionId)).toEqual(['LOCK', 'UNLOCK']);
    expect(await statusesOf(stack, actionId)).toEqual(['WAITING', 'ACTIVATING', 'DEACTIVATING', 'CANCELLED']);
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE, ext_fields: {} });
  });

  it('cancels while ACTIVATED: unlocked, and the device resumes its previous state', async () => {
    const device = await lockableDevice(stack, { stateId: DeviceState.READY_FOR_USE });
    const { actionId } = await assign(device, { durationMinutes: 600 });
    await waitForStatus(stack, actionId, 'ACTIVATING');
    expect((await checkIn(device)).body).toMatchObject({ directive: 'LOCK' });
    await waitForStatus(stack, actionId, 'ACTIVATED');
    await waitForDeviceState(stack, device.deviceId, DeviceState.LOCKED);

    await cancel(device, actionId);
    expect(commandsOf(stack, actionId)).toEqual(['LOCK', 'UNLOCK']);
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.READY_FOR_USE, ext_fields: {} });
    expect(await milestones(stack, device.deviceId)).toEqual([
      'TEMP_LOCK_ASSIGNED',
      'LOCK',
      'TEMP_LOCK_ACTIVATED',
      'UNLOCK',
      'TEMP_LOCK_CANCELLED',
    ]);
    const doc = await stack.mongo.deviceActions.findOne({ _id: actionId });
    expect(doc?.cancel_reason).toMatch(/^cancelled by user-/);
    await recordHistory(stack, tempLockWorkflowId(device.tenantId, device.uid), 'tempLock.cancelActivated');
  });

  it('a cancel during DEACTIVATING changes nothing: the lock ran its term and ends DEACTIVATED', async () => {
    const device = await lockableDevice(stack);
    const { actionId } = await assign(device, { durationMinutes: 1 });
    await waitForStatus(stack, actionId, 'ACTIVATING');
    await checkIn(device);
    await waitForStatus(stack, actionId, 'DEACTIVATING');
    await waitForDeviceState(stack, device.deviceId, DeviceState.LOCKED);

    const { operator, uid } = lockClients(base, device);
    expect((await operator.delete('/devices/{uid}/temp-lock', uid)).status).toBe(202);
    const done = await waitForStatus(stack, actionId, 'DEACTIVATED');
    expect(done.note).toMatch(/after the lock's end: it had run its term/);
    expect(commandsOf(stack, actionId)).toEqual(['LOCK', 'UNLOCK']);
    expect(await statusesOf(stack, actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
    expect(await milestones(stack, device.deviceId)).toContain('TEMP_LOCK_DEACTIVATED');
    expect(await milestones(stack, device.deviceId)).not.toContain('TEMP_LOCK_CANCELLED');
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE, ext_fields: {} });
  });

  it('cancels while the LOCK command is still at a slow gateway: the request is abandoned, then UNLOCK goes out', async () => {
    const device = await lockableDevice(stack);
    stack.gateway.answerAfter(20_000, ['LOCK']);
    try {
      const { actionId } = await assign(device, { durationMinutes: 600 });
      await waitForStatus(stack, actionId, 'ACTIVATING');
      // At the gateway, not only queued for it (the LOCK commands' own task queue): a queued one is cancelled unsent.
      const handle = stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid));
      await waitFor('the LOCK command to be at the gateway', async () =>
        ((await handle.describe()).raw.pendingActivities ?? []).some(
          (a) => a.activityType?.name === 'sendLockCommand' && a.lastStartedTime != null,
        ),
      );
      await cancel(device, actionId);
      // The LOCK request was aborted before the UNLOCK was sent: nothing can reach the device after the UNLOCK.
      const abandoned = stack.gateway.abandoned.find((c) => c.actionId === actionId && c.kind === 'LOCK');
      const unlock = stack.gateway.commands.find((c) => c.actionId === actionId && c.kind === 'UNLOCK');
      expect(abandoned).toBeDefined();
      expect(unlock).toBeDefined();
      expect(unlock!.sentAt).toBeGreaterThanOrEqual(abandoned!.sentAt);
      expect(commandsOf(stack, actionId)).toEqual(['UNLOCK']);
    } finally {
      stack.gateway.recover();
    }
  });

  it('ends FAILED with the gateway reason when the gateway refuses the device (404), and stops retrying', async () => {
    const device = await lockableDevice(stack);
    stack.gateway.refuseDevice(device.uid, 404, 'unknown device');
    // The refused commands (its LOCK, and the UNLOCK that may follow) are warnings of the SDK's worker: collected, not printed.
    const refusals = expectSdkWarnings(
      (entry) =>
        /^send(Lock|Unlock)Command$/.test(String(entry.meta?.activityType)) &&
        /GATEWAY_REFUSED .*404 unknown device/.test(activityError(entry)),
    );
    try {
      const { actionId } = await assign(device, { durationMinutes: 5 });
      // A check-in may have been told LOCK while ACTIVATING: now it is told UNLOCK, which ends the lock.
      await waitForStatus(stack, actionId, 'DEACTIVATING');
      expect(expectStatus(await checkIn(device), 200)).toMatchObject({ directive: 'UNLOCK', actionId });
      const failed = await waitForStatus(stack, actionId, 'FAILED');
      expect(failed.cancel_reason).toMatch(/refused LOCK for device .*: 404 unknown device/);
      await stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid)).result();
      // Refused once, not retried.
      expect(refusals.entries.filter((entry) => entry.meta?.activityType === 'sendLockCommand')).toHaveLength(1);
      const { operator, gateway, uid } = lockClients(base, device);
      expect(expectStatus(await operator.get('/devices/{uid}/temp-lock', uid), 200)).toMatchObject({
        status: 'FAILED',
        running: false,
        failureReason: expect.stringContaining('404 unknown device'),
      });
      expect(expectStatus(await gateway.post('/devices/{uid}/check-in', uid), 200)).toMatchObject({ directive: 'NONE' });
      expect(await milestones(stack, device.deviceId)).toEqual(['TEMP_LOCK_ASSIGNED', 'TEMP_LOCK_FAILED']);
      expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE });
    } finally {
      stack.gateway.recover();
    }
  });

  it('overrides a running lock: the old one is unlocked and ends CANCELLED before the new one starts', async () => {
    const device = await lockableDevice(stack);
    const first = await assign(device, { durationMinutes: 600 });
    await waitForStatus(stack, first.actionId, 'ACTIVATING');
    await checkIn(device);
    await waitForStatus(stack, first.actionId, 'ACTIVATED');

    const second = await assign(device, { durationMinutes: 300, notification: { reason: 'new terms' } });
    expect(second.overriddenActionId).toBe(first.actionId);
    // The old run had ended (unlocked, CANCELLED) before the new one was started.
    expect(await stack.mongo.deviceActions.findOne({ _id: first.actionId })).toMatchObject({
      status: 'CANCELLED',
      cancel_reason: `overridden by action ${second.actionId}`,
    });
    expect(commandsOf(stack, first.actionId)).toEqual(['LOCK', 'UNLOCK']);
    expect(await statusesOf(stack, first.actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'CANCELLED']);
    await waitForStatus(stack, second.actionId, 'ACTIVATING');
    expect((await checkIn(device)).body).toMatchObject({ directive: 'LOCK', actionId: second.actionId });
    await waitForStatus(stack, second.actionId, 'ACTIVATED');
    expect(await waitForDeviceState(stack, device.deviceId, DeviceState.LOCKED)).toMatchObject({ previous_state_id: DeviceState.ACTIVE });

    await cancel(device, second.actionId);
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE, ext_fields: {} });
    await recordHistory(stack, tempLockWorkflowId(device.tenantId, device.uid), 'tempLock.overridden');
  });

  it('leaves exactly one lock running when two assigns for one device race', async () => {
    const device = await lockableDevice(stack);
    const initial = await assign(device, { durationMinutes: 600 });
    await waitForStatus(stack, initial.actionId, 'ACTIVATING');

    const [a, b] = await Promise.all([assign(device, { durationMinutes: 601 }), assign(device, { durationMinutes: 602 })]);
    const workflowId = tempLockWorkflowId(device.tenantId, device.uid);
    const current = await stack.client.workflow.getHandle(workflowId).describe();
    expect(current.status.name).toBe('RUNNING');
    const winner = (current.memo as { actionId: string }).actionId;
    expect([a.actionId, b.actionId]).toContain(winner);
    // Every run of the device's lock (as the visibility store sees it, which may lag) but one has ended.
    await waitFor('visibility to show one running run', async () => {
      const running: string[] = [];
      for await (const info of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        if (info.status.name === 'RUNNING') running.push(info.runId);
      }
      return running.length === 1 && running[0] === current.runId;
    });
    for (const loser of [initial.actionId, a.actionId, b.actionId].filter((id) => id !== winner)) {
      const doc = await waitForStatus(stack, loser, 'CANCELLED');
      expect(doc.cancel_reason).toMatch(/^overridden by action /);
    }
    await cancel(device, winner);
  });
});
