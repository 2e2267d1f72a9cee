// TempLock outside working hours, against the real stack: an assign outside the tenant's working hours waits
// (WAITING, its next process time stored and shown by the API, no command sent) until the window opens, and its LOCK
// goes out then, on a durable timer rather than a polling interval. A file of its own: calendars have minute
// precision, so it waits for the next whole minute (up to a minute, idle), which `npm test` overlaps with other files.
// The same wait with a calendar of holidays, on skipped time: test/workflows/tempLock.workflow.test.ts.
import { tempLockWorkflowId } from '../../src/tempLocks/lock';
import { WEEKDAYS } from '../../src/tenants/workingHours';
import { TestStack, recordHistory, startServingStack, waitFor } from './harness';
import {
  commandsOf,
  assignLock,
  checkInDevice,
  lockableDevice,
  lockClients,
  statusesOf,
  waitForCommand,
  waitForStatus,
} from './tempLockSupport';

jest.setTimeout(120_000);

describe('TempLock: working hours', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack({ TEMP_LOCK_MINUTE_MS: '1000', TEMP_LOCK_DEACTIVATION_WAIT_MS: '60000' }));
  });
  afterAll(async () => {
    await stop();
  });

  it('waits for the working-hours window before sending the lock command', async () => {
    const device = await lockableDevice(stack);
    // A window opening at the next whole minute (at least 2 s away): calendars have minute precision.
    let opensAt = Math.ceil(Date.now() / 60_000) * 60_000;
    if (opensAt - Date.now() < 2000) opensAt += 60_000;
    const opening = new Date(opensAt);
    const day = WEEKDAYS[(opening.getUTCDay() + 6) % 7]!;
    const start = opening.toISOString().slice(11, 16);
    const end = start === '23:59' ? '24:00' : new Date(opensAt + 60_000).toISOString().slice(11, 16);
    const saved = await lockClients(base, device).operator.put('/tenants/{id}/working-hours', {
      path: { id: device.tenantId },
      body: {
        timeZone: 'UTC',
        windows: [{ day, start, end }],
        holidays: [],
      },
    });
    expect(saved.status).toBe(200);

    const actionId = await assignLock(base, device, { durationMinutes: 1, workingHours: true });
    await waitFor('the WAITING document with its next process time', async () => {
      const doc = await stack.mongo.deviceActions.findOne({ _id: actionId });
      return doc?.next_process_time?.getTime() === opensAt;
    });
    expect(commandsOf(stack, actionId)).toEqual([]);
    const { operator, uid } = lockClients(base, device);
    const view = await operator.get('/devices/{uid}/temp-lock', uid);
    expect(view.body).toMatchObject({ status: 'WAITING', directive: 'NONE', nextDueAt: opening.toISOString() });

    const lock = await waitForCommand(stack, actionId, 'LOCK', 90_000);
    expect(lock.sentAt).toBeGreaterThanOrEqual(opensAt);
    expect(lock.sentAt - opensAt).toBeLessThan(3000); // a durable timer, not a polling interval
    await checkInDevice(base, device);
    await waitForCommand(stack, actionId, 'UNLOCK');
    await checkInDevice(base, device);
    await waitForStatus(stack, actionId, 'DEACTIVATED');
    expect(await statusesOf(stack, actionId)).toEqual(['WAITING', 'WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
    await recordHistory(stack, tempLockWorkflowId(device.tenantId, device.uid), 'tempLock.workingHoursWait');
  });
});
