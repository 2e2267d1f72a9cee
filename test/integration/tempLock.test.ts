// TempLock through the API on the real stack: the full lifecycle, check-ins and their directives (the
// answer agrees with what the lock does), assign refusals and bounded input.
import { DeviceState } from '../../src/devices/states';
import { MAX_NOTIFICATION_BYTES, tempLockWorkflowId } from '../../src/tempLocks/lock';
import { WEEKDAYS } from '../../src/tenants/contract';
import { expectStatus } from './apiClient';
import { TestStack, recordHistory, startServingStack, waitFor } from './harness';
import {
  commandsOf,
  deviceRow,
  lockClients,
  lockableDevice,
  milestones,
  statusesOf,
  waitForCommand,
  waitForStatus,
} from './tempLockSupport';

jest.setTimeout(120_000);

describe('TempLock: lifecycle and override through the API', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    // One lock minute lasts one second here, so durations of a few "minutes" run in seconds.
    ({ stack, base, stop } = await startServingStack({ TEMP_LOCK_MINUTE_MS: '1000', TEMP_LOCK_DEACTIVATION_WAIT_MS: '60000' }));
  });
  afterAll(async () => {
    await stop();
  });

  it('locks on check-in, unlocks on time, and the device resumes its previous state', async () => {
    const device = await lockableDevice(stack);
    const { operator, gateway, uid } = lockClients(base, device);
    // The inventory's provision type goes with the device's commands (the gateway groups by it).
    await stack.pool.query(`UPDATE t_device SET ext_fields = ext_fields || '{"provision_type": "KNOX"}' WHERE id = $1`, [device.deviceId]);
    const assigned = await operator.put('/devices/{uid}/temp-lock', {
      ...uid,
      body: { durationMinutes: 2, workingHours: false, notification: { title: 'Payment overdue' } },
    });
    const { actionId } = expectStatus(assigned, 202);

    const lockCommand = await waitForCommand(stack, actionId, 'LOCK');
    expect(lockCommand).toMatchObject({
      tenantId: device.tenantId,
      deviceUid: device.uid,
      provisionType: 'KNOX',
      notification: { title: 'Payment overdue' },
    });
    await waitForStatus(stack, actionId, 'ACTIVATING');

    const checkIn = expectStatus(await gateway.post('/devices/{uid}/check-in', uid), 200);
    expect(checkIn).toMatchObject({ directive: 'LOCK', actionId });
    const checkedInAt = Date.parse(checkIn.checkedInAt);
    expect(Date.parse(checkIn.lockUntil!)).toBe(checkedInAt + 2000);

    // The lock runs exactly as the device was told: its end is the answered lockUntil.
    const activated = await waitForStatus(stack, actionId, 'ACTIVATED');
    expect(activated.lock_ends_at?.toISOString()).toBe(checkIn.lockUntil);
    expect(activated.checked_in_at?.getTime()).toBe(checkedInAt);
    // The inventory write runs alongside the lock's timer, so it may land a moment after the status.
    const locked = await waitFor('the device to be LOCKED', async () => {
      const row = await deviceRow(stack, device.deviceId);
      return row.state_id === DeviceState.LOCKED ? row : undefined;
    });
    expect(locked).toMatchObject({ state_id: DeviceState.LOCKED, previous_state_id: DeviceState.ACTIVE });
    expect(locked.ext_fields).toEqual({
      provision_type: 'KNOX',
      lock_duration: 2,
      first_temp_lock_checkin_at: Math.floor(checkedInAt / 1000),
    });
    const during = await operator.get('/devices/{uid}/temp-lock', uid);
    expect(expectStatus(during, 200)).toMatchObject({
      actionId,
      running: true,
      status: 'ACTIVATED',
      directive: 'LOCK',
      nextDueAt: checkIn.lockUntil,
    });

    const unlock = await waitForCommand(stack, actionId, 'UNLOCK');
    expect(unlock).toMatchObject({ dueAt: checkedInAt + 2000, provisionType: 'KNOX' });
    expect(unlock.sentAt).toBeGreaterThanOrEqual(unlock.dueAt!); // the timer fires early (unlock lead), the command never does
    expect(unlock.sentAt - unlock.dueAt!).toBeLessThan(1000);
    await waitForStatus(stack, actionId, 'DEACTIVATING');

    const confirm = await gateway.post('/devices/{uid}/check-in', uid);
    expect(expectStatus(confirm, 200)).toMatchObject({ directive: 'UNLOCK', actionId });
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
    expect((await stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid)).describe()).type).toBe('tempLock');

    const after = expectStatus(await operator.get('/devices/{uid}/temp-lock', uid), 200);
    expect(after).toMatchObject({ actionId, running: false, status: 'DEACTIVATED', directive: 'NONE', durationMinutes: 2 });
    expect(after.history.map((h) => h.status)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
    expect((await gateway.post('/devices/{uid}/check-in', uid)).body).toMatchObject({ directive: 'NONE', lockUntil: null });
    await recordHistory(stack, tempLockWorkflowId(device.tenantId, device.uid), 'tempLock.lifecycle');
  });

  it('answers NONE to a device without a lock, and refuses a lock for a device without a workflow (409)', async () => {
    const device = await lockableDevice(stack, { withWorkflow: false });
    const { operator, gateway, uid } = lockClients(base, device);
    const checkIn = await gateway.post('/devices/{uid}/check-in', uid);
    expect(checkIn).toMatchObject({ status: 200, body: { directive: 'NONE', lockUntil: null, actionId: null } });

    const refused = await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 5 } });
    expect(refused).toMatchObject({ status: 409, body: { code: 'DEVICE_HAS_NO_WORKFLOW' } });
    expect(await stack.mongo.deviceActions.countDocuments({ tenant_id: device.tenantId })).toBe(0);
    const gatewayCannotAssign = await gateway.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 5 } });
    expect(gatewayCannotAssign.status).toBe(403);
    expect((await operator.get('/devices/{uid}/temp-lock', uid)).status).toBe(404);
    expect((await operator.delete('/devices/{uid}/temp-lock', uid)).status).toBe(404);
  });

  it('keeps a working-hours calendar per tenant: validated (422 with field errors), private to the tree', async () => {
    const device = await lockableDevice(stack);
    const { operator, gateway } = lockClients(base, device);
    const tenant = { path: { id: device.tenantId } };
    // No calendar is an answer, not a refusal: configured false, and no time zone made up for the tenant.
    expect(expectStatus(await operator.get('/tenants/{id}/working-hours', tenant), 200)).toEqual({
      tenantId: device.tenantId,
      configured: false,
      timeZone: null,
      summary: expect.stringContaining('No working-hours calendar'),
    });
    const invalid = await operator.put('/tenants/{id}/working-hours', {
      ...tenant,
      body: {
        timeZone: 'Mars/Olympus',
        windows: [
          { day: 'MON', start: '09:00', end: '12:00' },
          { day: 'MON', start: '11:00', end: '13:00' },
          { day: 'TUE', start: '17:00', end: '08:00' },
        ],
        holidays: ['2026-02-30'],
      },
    });
    const problem = expectStatus(invalid, 422);
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors!.map((e) => e.field).sort()).toEqual(['holidays[0]', 'timeZone', 'windows[1]', 'windows[2].end']);

    const calendar = {
      timeZone: 'Asia/Ho_Chi_Minh',
      windows: [{ day: 'MON' as const, start: '08:00', end: '17:30' }],
      holidays: ['2026-09-02'],
    };
    const saved = await operator.put('/tenants/{id}/working-hours', { ...tenant, body: calendar });
    expect(saved).toMatchObject({ status: 200, body: { ...calendar, tenantId: device.tenantId, inheritedFrom: null } });
    expect(expectStatus(await operator.get('/tenants/{id}/working-hours', tenant), 200).summary).toBe(
      'Asia/Ho_Chi_Minh: MON 08:00-17:30; 1 holiday',
    );
    const other = lockClients(base, await lockableDevice(stack));
    expect((await other.operator.get('/tenants/{id}/working-hours', tenant)).status).toBe(404);
    expect((await gateway.put('/tenants/{id}/working-hours', { ...tenant, body: calendar })).status).toBe(403);
  });

  it('a lock waiting for working hours starts at once when the calendar opens sooner (a holiday removed)', async () => {
    const device = await lockableDevice(stack);
    const { operator } = lockClients(base, device);
    const tenant = { path: { id: device.tenantId } };
    const today = new Date().toISOString().slice(0, 10);
    const everyDay = WEEKDAYS.map((day) => ({ day, start: '00:00', end: '24:00' }));
    expectStatus(
      await operator.put('/tenants/{id}/working-hours', { ...tenant, body: { timeZone: 'UTC', windows: everyDay, holidays: [today] } }),
      200,
    );
    const assigned = await operator.put('/devices/{uid}/temp-lock', {
      path: { uid: device.uid },
      body: { durationMinutes: 5, workingHours: true },
    });
    const { actionId } = expectStatus(assigned, 202);
    const tomorrow = new Date(`${today}T00:00:00.000Z`).getTime() + 24 * 3_600_000;
    await waitFor('the wait for tomorrow', async () => {
      const view = await operator.get('/devices/{uid}/temp-lock', { path: { uid: device.uid } });
      return view.status === 200 && view.body.nextDueAt === new Date(tomorrow).toISOString() ? view : undefined;
    });

    // The holiday removed: the lock is told, asks its calendar again and starts now, not tomorrow.
    expectStatus(
      await operator.put('/tenants/{id}/working-hours', { ...tenant, body: { timeZone: 'UTC', windows: everyDay, holidays: [] } }),
      200,
    );
    await waitForStatus(stack, actionId, 'ACTIVATING');
    await waitForCommand(stack, actionId, 'LOCK');
    expect(await statusesOf(stack, actionId)).toEqual(['WAITING', 'WAITING', 'ACTIVATING']);
  });

  it("validates the assign request (422) and hides other tenants' devices (404)", async () => {
    const device = await lockableDevice(stack);
    const other = await lockableDevice(stack);
    const { operator } = lockClients(base, device);
    // Bodies the document does not allow, sent as given to see each refused.
    const put = (body: unknown, uid = device.uid) =>
      operator.put('/devices/{uid}/temp-lock', { path: { uid }, body: body as { durationMinutes: number } });
    for (const durationMinutes of [0, -5, 1.5, 525_601, '10', null]) {
      const answer = await put({ durationMinutes });
      expect(answer).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED', errors: [{ field: 'durationMinutes' }] } });
    }
    expect(expectStatus(await put({ durationMinutes: 5, workingHours: 'yes' }), 422).errors).toEqual([
      expect.objectContaining({ field: 'workingHours' }),
    ]);
    // Working hours asked for, but the tenant has no calendar.
    expect(expectStatus(await put({ durationMinutes: 5, workingHours: true }), 422).errors).toEqual([
      expect.objectContaining({ field: 'workingHours' }),
    ]);
    const tooLong = expectStatus(await put({ durationMinutes: 5, notification: { text: 'x'.repeat(MAX_NOTIFICATION_BYTES) } }), 422);
    expect(tooLong.errors).toEqual([expect.objectContaining({ field: 'notification' })]);
    expect(tooLong.errors![0]!.message).toContain(`at most ${MAX_NOTIFICATION_BYTES} bytes`);
    expect((await put({ durationMinutes: 5 }, other.uid)).status).toBe(404);
    const inOtherTenant = { path: { uid: device.uid }, query: { tenantId: other.tenantId }, body: { durationMinutes: 5 } };
    expect((await operator.put('/devices/{uid}/temp-lock', inOtherTenant)).status).toBe(404);
    expect(await stack.mongo.deviceActions.countDocuments({ tenant_id: { $in: [device.tenantId, other.tenantId] } })).toBe(0);
  });
});
