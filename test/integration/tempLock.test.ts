// TempLock through the API on the real stack: the full lifecycle, check-ins and their directives,
// assign refusals, and override (including two concurrent assigns for one device). The API starts
// tempLockV2; runs of the first tempLock type, started before V2, still answer and finish.
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { DeviceState } from '../../src/domain/deviceStates';
import { tempLockWorkflowId } from '../../src/domain/tempLock';
import { TempLockInput } from '../../src/workflows/tempLock';
import { TestStack, recordHistory, startTestStack, waitFor } from './harness';
import {
  LockableDevice,
  call,
  commandsOf,
  deviceRow,
  lockableDevice,
  milestones,
  statusesOf,
  waitForCommand,
  waitForDeviceState,
  waitForStatus,
} from './tempLockSupport';

jest.setTimeout(120_000);

describe('TempLock: lifecycle and override through the API', () => {
  let stack: TestStack;
  let worker: Worker;
  let running: Promise<void>;
  let base: string;

  beforeAll(async () => {
    // One lock minute lasts one second here, so durations of a few "minutes" run in seconds.
    stack = await startTestStack({ TEMP_LOCK_MINUTE_MS: '1000', TEMP_LOCK_DEACTIVATION_WAIT_MS: '60000' });
    worker = await stack.newWorker();
    running = worker.run();
    base = await stack.startApi();
  });
  afterAll(async () => {
    worker.shutdown();
    await running;
    await stack.close();
  });

  it('locks on check-in, unlocks on time, and the device resumes its previous state', async () => {
    const device = await lockableDevice(stack);
    const path = `/v1/devices/${device.uid}`;
    const assigned = await call(base, device.operatorKey, 'PUT', `${path}/temp-lock`, {
      durationMinutes: 2,
      workingHours: false,
      notification: { title: 'Payment overdue' },
    });
    expect(assigned.status).toBe(202);
    const { actionId } = assigned.body;

    const lockCommand = await waitForCommand(stack, actionId, 'LOCK');
    expect(lockCommand).toMatchObject({ tenantId: device.tenantId, deviceUid: device.uid, notification: { title: 'Payment overdue' } });
    await waitForStatus(stack, actionId, 'ACTIVATING');

    const checkIn = await call(base, device.gatewayKey, 'POST', `${path}/check-in`);
    expect(checkIn.status).toBe(200);
    expect(checkIn.body).toMatchObject({ directive: 'LOCK', actionId });
    const checkedInAt = Date.parse(checkIn.body.checkedInAt);
    expect(Date.parse(checkIn.body.lockUntil)).toBe(checkedInAt + 2000);

    await waitForStatus(stack, actionId, 'ACTIVATED');
    // The inventory write runs alongside the lock's timer, so it may land a moment after the status.
    const locked = await waitFor('the device to be LOCKED', async () => {
      const row = await deviceRow(stack, device.deviceId);
      return row.state_id === DeviceState.LOCKED ? row : undefined;
    });
    expect(locked).toMatchObject({ state_id: DeviceState.LOCKED, previous_state_id: DeviceState.ACTIVE });
    expect(locked.ext_fields).toEqual({ lock_duration: 2, first_temp_lock_checkin_at: Math.floor(checkedInAt / 1000) });
    const during = await call(base, device.operatorKey, 'GET', `${path}/temp-lock`);
    expect(during.body).toMatchObject({
      actionId,
      running: true,
      status: 'ACTIVATED',
      directive: 'LOCK',
      nextDueAt: checkIn.body.lockUntil,
    });

    const unlock = await waitForCommand(stack, actionId, 'UNLOCK');
    expect(unlock.dueAt).toBe(checkedInAt + 2000);
    expect(unlock.sentAt).toBeGreaterThanOrEqual(unlock.dueAt!); // the timer fires early (unlock lead), the command never does
    expect(unlock.sentAt - unlock.dueAt!).toBeLessThan(1000);
    await waitForStatus(stack, actionId, 'DEACTIVATING');

    const confirm = await call(base, device.gatewayKey, 'POST', `${path}/check-in`);
    expect(confirm.body).toMatchObject({ directive: 'UNLOCK', actionId });
    await waitForStatus(stack, actionId, 'DEACTIVATED');
    await stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid)).result();

    const resumed = await deviceRow(stack, device.deviceId);
    expect(resumed).toMatchObject({ state_id: DeviceState.ACTIVE, previous_state_id: null, ext_fields: {} });
    expect(await statusesOf(stack, actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
    expect(await milestones(stack, device.deviceId)).toEqual([
      'TEMP_LOCK_ASSIGNED',
      'LOCK',
      'TEMP_LOCK_ACTIVATED',
      'UNLOCK',
      'TEMP_LOCK_DEACTIVATED',
    ]);
    expect(commandsOf(stack, actionId)).toEqual(['LOCK', 'UNLOCK']);
    expect((await stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid)).describe()).type).toBe('tempLockV2');

    const after = await call(base, device.operatorKey, 'GET', `${path}/temp-lock`);
    expect(after.body).toMatchObject({ actionId, running: false, status: 'DEACTIVATED', directive: 'NONE', durationMinutes: 2 });
    expect(after.body.history.map((h: { status: string }) => h.status)).toEqual([
      'WAITING',
      'ACTIVATING',
      'ACTIVATED',
      'DEACTIVATING',
      'DEACTIVATED',
    ]);
    expect((await call(base, device.gatewayKey, 'POST', `${path}/check-in`)).body).toMatchObject({ directive: 'NONE', lockUntil: null });
    await recordHistory(stack, tempLockWorkflowId(device.tenantId, device.uid), 'tempLockV2.lifecycle.unlockLead');
  });

  /** Starts the first workflow type directly, as the API did before tempLockV2 (same input, memo and id). */
  const startV1 = async (device: LockableDevice, durationMinutes: number): Promise<string> => {
    const input: TempLockInput = {
      actionId: randomUUID(),
      tenantId: device.tenantId,
      deviceUid: device.uid,
      deviceId: device.deviceId,
      durationMinutes,
      durationMs: durationMinutes * 1000,
      workingHours: false,
      notification: null,
      requestedBy: 'test',
      deactivationWaitMs: 60_000,
    };
    await stack.client.workflow.start('tempLock', {
      taskQueue: stack.taskQueue,
      workflowId: tempLockWorkflowId(device.tenantId, device.uid),
      args: [input],
      memo: { actionId: input.actionId },
    });
    return input.actionId;
  };

  it('a tempLock (V1) run still locks on check-in, unlocks on time and ends DEACTIVATED', async () => {
    const device = await lockableDevice(stack);
    const path = `/v1/devices/${device.uid}`;
    const actionId = await startV1(device, 2);
    await waitForStatus(stack, actionId, 'ACTIVATING');
    const checkIn = await call(base, device.gatewayKey, 'POST', `${path}/check-in`);
    expect(checkIn.body).toMatchObject({
      directive: 'LOCK',
      actionId,
      lockUntil: new Date(Date.parse(checkIn.body.checkedInAt) + 2000).toISOString(),
    });
    await waitForDeviceState(stack, device.deviceId, DeviceState.LOCKED);
    expect((await call(base, device.operatorKey, 'GET', `${path}/temp-lock`)).body).toMatchObject({
      actionId,
      running: true,
      status: 'ACTIVATED',
    });

    const unlock = await waitForCommand(stack, actionId, 'UNLOCK');
    expect(unlock.sentAt - unlock.dueAt!).toBeLessThan(1000);
    expect((await call(base, device.gatewayKey, 'POST', `${path}/check-in`)).body).toMatchObject({ directive: 'UNLOCK', actionId });
    await waitForStatus(stack, actionId, 'DEACTIVATED');
    const handle = stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid));
    await handle.result();
    expect((await handle.describe()).type).toBe('tempLock');
    expect(await statusesOf(stack, actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
    expect(commandsOf(stack, actionId)).toEqual(['LOCK', 'UNLOCK']);
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({
      state_id: DeviceState.ACTIVE,
      previous_state_id: null,
      ext_fields: {},
    });
  });

  it('an assign overrides a running tempLock (V1) run: it ends CANCELLED and unlocked, a tempLockV2 run takes over', async () => {
    const device = await lockableDevice(stack);
    const path = `/v1/devices/${device.uid}`;
    const first = await startV1(device, 600);
    await waitForStatus(stack, first, 'ACTIVATING');
    await call(base, device.gatewayKey, 'POST', `${path}/check-in`);
    await waitForDeviceState(stack, device.deviceId, DeviceState.LOCKED);

    const second = await call(base, device.operatorKey, 'PUT', `${path}/temp-lock`, { durationMinutes: 300 });
    expect(second).toMatchObject({ status: 202, body: { overriddenActionId: first } });
    expect(await stack.mongo.deviceActions.findOne({ _id: first })).toMatchObject({
      status: 'CANCELLED',
      cancel_reason: `overridden by action ${second.body.actionId}`,
    });
    expect(commandsOf(stack, first)).toEqual(['LOCK', 'UNLOCK']);
    const handle = stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid));
    expect((await handle.describe()).type).toBe('tempLockV2');
    await waitForStatus(stack, second.body.actionId, 'ACTIVATING');

    expect((await call(base, device.operatorKey, 'DELETE', `${path}/temp-lock`)).status).toBe(202);
    await waitForStatus(stack, second.body.actionId, 'CANCELLED');
    await handle.result();
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE, ext_fields: {} });
  });

  it('answers NONE to a device without a lock, and refuses a lock for a device without a workflow (409)', async () => {
    const device = await lockableDevice(stack, { withWorkflow: false });
    const checkIn = await call(base, device.gatewayKey, 'POST', `/v1/devices/${device.uid}/check-in`);
    expect(checkIn).toMatchObject({ status: 200, body: { directive: 'NONE', lockUntil: null, actionId: null } });

    const refused = await call(base, device.operatorKey, 'PUT', `/v1/devices/${device.uid}/temp-lock`, { durationMinutes: 5 });
    expect(refused).toMatchObject({ status: 409, body: { code: 'DEVICE_HAS_NO_WORKFLOW' } });
    expect(await stack.mongo.deviceActions.countDocuments({ tenant_id: device.tenantId })).toBe(0);
    const gatewayCannotAssign = await call(base, device.gatewayKey, 'PUT', `/v1/devices/${device.uid}/temp-lock`, { durationMinutes: 5 });
    expect(gatewayCannotAssign.status).toBe(403);
    expect((await call(base, device.operatorKey, 'GET', `/v1/devices/${device.uid}/temp-lock`)).status).toBe(404);
    expect((await call(base, device.operatorKey, 'DELETE', `/v1/devices/${device.uid}/temp-lock`)).status).toBe(404);
  });

  it('keeps a working-hours calendar per tenant: validated (422 with field errors), private to the tree', async () => {
    const device = await lockableDevice(stack);
    const path = `/v1/tenants/${device.tenantId}/working-hours`;
    expect((await call(base, device.operatorKey, 'GET', path)).status).toBe(404);
    const invalid = await call(base, device.operatorKey, 'PUT', path, {
      timeZone: 'Mars/Olympus',
      windows: [
        { day: 'MON', start: '09:00', end: '12:00' },
        { day: 'MON', start: '11:00', end: '13:00' },
        { day: 'TUE', start: '17:00', end: '08:00' },
      ],
      holidays: ['2026-02-30'],
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('VALIDATION_FAILED');
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'holidays[0]',
      'timeZone',
      'windows[1]',
      'windows[2].end',
    ]);

    const calendar = { timeZone: 'Asia/Ho_Chi_Minh', windows: [{ day: 'MON', start: '08:00', end: '17:30' }], holidays: ['2026-09-02'] };
    const saved = await call(base, device.operatorKey, 'PUT', path, calendar);
    expect(saved).toMatchObject({ status: 200, body: { ...calendar, tenantId: device.tenantId, inheritedFrom: null } });
    expect((await call(base, device.operatorKey, 'GET', path)).body.summary).toBe('Asia/Ho_Chi_Minh: MON 08:00-17:30; 1 holiday');
    const other = await lockableDevice(stack);
    expect((await call(base, other.operatorKey, 'GET', path)).status).toBe(404);
    expect((await call(base, device.gatewayKey, 'PUT', path, calendar)).status).toBe(403);
  });

  it("validates the assign request (422) and hides other tenants' devices (404)", async () => {
    const device = await lockableDevice(stack);
    const other = await lockableDevice(stack);
    const put = (body: unknown, key = device.operatorKey, uid = device.uid) => call(base, key, 'PUT', `/v1/devices/${uid}/temp-lock`, body);
    for (const durationMinutes of [0, -5, 1.5, 525_601, '10', null]) {
      const answer = await put({ durationMinutes });
      expect(answer).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED', errors: [{ field: 'durationMinutes' }] } });
    }
    expect((await put({ durationMinutes: 5, workingHours: 'yes' })).body.errors).toEqual([
      expect.objectContaining({ field: 'workingHours' }),
    ]);
    // Working hours asked for, but the tenant has no calendar.
    expect((await put({ durationMinutes: 5, workingHours: true })).body.errors).toEqual([
      expect.objectContaining({ field: 'workingHours' }),
    ]);
    expect((await put({ durationMinutes: 5 }, device.operatorKey, other.uid)).status).toBe(404);
    expect(
      (
        await call(base, device.operatorKey, 'PUT', `/v1/devices/${device.uid}/temp-lock?tenantId=${other.tenantId}`, {
          durationMinutes: 5,
        })
      ).status,
    ).toBe(404);
    expect(await stack.mongo.deviceActions.countDocuments({ tenant_id: { $in: [device.tenantId, other.tenantId] } })).toBe(0);
  });
});
