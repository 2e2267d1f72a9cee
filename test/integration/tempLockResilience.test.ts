// TempLock when things go wrong: check-ins with no worker running, the worker replaced while a lock's timer is
// pending, a device-control gateway outage. (An assign outside working hours waiting: tempLockWorkingHours.test.ts.)
import { Worker } from '@temporalio/worker';
import { DeviceState } from '../../src/devices/states';
import { tempLockWorkflowId } from '../../src/tempLocks/lock';
import { tempLockQuery } from '../../src/tempLocks/contract';
import { expectStatus } from './apiClient';
import { TestStack, recordHistory, startTestStack, waitFor } from './harness';
import { activityError, expectSdkWarnings } from '../sdkRuntime';
import {
  LockableDevice,
  TempLockRequest,
  cancelLock,
  commandsOf,
  deviceRow,
  assignLock,
  checkInDevice,
  lockableDevice,
  lockClients,
  waitForCommand,
  waitForStatus,
} from './tempLockSupport';

jest.setTimeout(120_000);

describe('TempLock: worker restart, gateway outage', () => {
  let stack: TestStack;
  let base: string;
  let worker: { instance: Worker; running: Promise<void> };

  const startWorker = async () => {
    // A stopped worker's sticky queue holds the workflow's next task until this timeout sends it to the
    // shared queue (default 5 s): it bounds how late a timer firing right after a worker change can be.
    const instance = await stack.newWorker({ stickyQueueScheduleToStartTimeout: '500 ms' });
    return { instance, running: instance.run() };
  };
  const stopWorker = async () => {
    worker.instance.shutdown();
    await worker.running;
  };

  beforeAll(async () => {
    stack = await startTestStack({ TEMP_LOCK_MINUTE_MS: '1000', TEMP_LOCK_DEACTIVATION_WAIT_MS: '60000' });
    worker = await startWorker();
    base = await stack.startApi();
  });
  afterEach(() => stack.gateway.recover());
  afterAll(async () => {
    await stopWorker();
    await stack.close();
  });

  const assign = (device: LockableDevice, body: TempLockRequest) => assignLock(base, device, body);
  const checkIn = (device: LockableDevice) => checkInDevice(base, device);

  it('unlocks on time after the worker was stopped while the timer was pending and a new one took over', async () => {
    const device = await lockableDevice(stack);
    const actionId = await assign(device, { durationMinutes: 8 });
    await waitForStatus(stack, actionId, 'ACTIVATING');
    const dueAt = Date.parse(expectStatus(await checkIn(device), 200).lockUntil!);
    await waitForStatus(stack, actionId, 'ACTIVATED');
    // Stopped once only the timer is pending: a workflow task the stopping worker had taken would wait out its
    // 10 s timeout (as after a crash), which is what the fault suite's worker kill measures, not this test.
    const handle = stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid));
    await waitFor('only the timer to be pending', async () => {
      const { raw } = await handle.describe();
      return (raw.pendingActivities ?? []).length === 0 && !raw.pendingWorkflowTask;
    });

    await stopWorker();
    expect(Date.now()).toBeLessThan(dueAt); // the timer is still pending, with no worker at all
    worker = await startWorker();

    const unlock = await waitForCommand(stack, actionId, 'UNLOCK');
    expect(unlock.dueAt).toBe(dueAt);
    expect(unlock.sentAt - dueAt).toBeGreaterThanOrEqual(0);
    expect(unlock.sentAt - dueAt).toBeLessThan(1000);
    await checkIn(device);
    await waitForStatus(stack, actionId, 'DEACTIVATED');
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE, ext_fields: {} });
    expect(commandsOf(stack, actionId)).toEqual(['LOCK', 'UNLOCK']);
  });

  it('answers a check-in at once with no worker running; the lock acts on it, with its time, once a worker is back', async () => {
    const device = await lockableDevice(stack);
    const { operator, gateway, uid } = lockClients(base, device);
    const actionId = await assign(device, { durationMinutes: 600 });
    await waitForStatus(stack, actionId, 'ACTIVATING');
    await waitForCommand(stack, actionId, 'LOCK');
    await stopWorker();

    const started = performance.now();
    const answer = expectStatus(await checkIn(device), 200);
    const answeredMs = performance.now() - started;
    console.log(`check-in answered in ${answeredMs.toFixed(1)} ms with no worker running`);
    expect(answer).toMatchObject({ directive: 'LOCK', actionId, status: 'ACTIVATING' });
    expect(Date.parse(answer.lockUntil!)).toBe(Date.parse(answer.checkedInAt) + 600_000);
    // Retried by the device with the same request id: the same answer, and it counts once.
    const retry = { ...uid, headers: { 'X-Request-Id': 'retry-1' } };
    const retried = [
      expectStatus(await gateway.post('/devices/{uid}/check-in', retry), 200),
      expectStatus(await gateway.post('/devices/{uid}/check-in', retry), 200),
    ];
    expect(retried.map((r) => r.directive)).toEqual(['LOCK', 'LOCK']);
    expect((await stack.mongo.deviceActions.findOne({ _id: actionId }))?.status).toBe('ACTIVATING');

    worker = await startWorker();
    const activated = await waitForStatus(stack, actionId, 'ACTIVATED');
    // Activated from the first check-in's time (taken by the API), not from when the worker got to it.
    expect(activated.checked_in_at?.toISOString()).toBe(answer.checkedInAt);
    expect(activated.lock_ends_at?.toISOString()).toBe(answer.lockUntil);
    const view = expectStatus(await operator.get('/devices/{uid}/temp-lock', uid), 200);
    expect(view).toMatchObject({ status: 'ACTIVATED', lockEndsAt: answer.lockUntil });
    const live = await stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid)).query(tempLockQuery);
    expect(live.checkIns).toBe(1); // the retries (same request id, within REPEATED_CHECK_IN_WINDOW_MS) count once
    await cancelLock(base, device, actionId);
  });

  it('retries lock and unlock commands through a gateway outage, adding no events, and sends them once it recovers', async () => {
    const device = await lockableDevice(stack);
    // Every refused attempt is also a warning of the SDK's worker: collected (and counted below), not printed.
    const outage = expectSdkWarnings(
      (entry) => /^send(Lock|Unlock)Command$/.test(String(entry.meta?.activityType)) && /SimulatedGatewayOutage/.test(activityError(entry)),
    );
    stack.gateway.failUntil(Infinity);
    const refusedBefore = stack.gateway.refused;
    const actionId = await assign(device, { durationMinutes: 5 });
    await waitFor('lock commands to be refused', async () => stack.gateway.refused >= refusedBefore + 3);
    // ACTIVATING is stored before the command goes out: a check-in now is told LOCK, and activates the lock.
    await waitForStatus(stack, actionId, 'ACTIVATING');
    const during = expectStatus(await checkIn(device), 200);
    expect(during).toMatchObject({ directive: 'LOCK', actionId });
    const dueAt = Date.parse(during.lockUntil!);

    stack.gateway.recover();
    await waitForCommand(stack, actionId, 'LOCK');
    const doc = await waitForStatus(stack, actionId, 'ACTIVATED');
    expect(doc.lock_ends_at?.getTime()).toBe(dueAt);

    stack.gateway.failUntil(Infinity);
    expect(Date.now()).toBeLessThan(dueAt);
    const refusedAtUnlock = stack.gateway.refused;
    await waitFor('unlock commands to be refused after the due time', async () => stack.gateway.refused >= refusedAtUnlock + 2);
    expect(Date.now()).toBeGreaterThan(dueAt);
    expect(commandsOf(stack, actionId)).toEqual(['LOCK']);
    const recoveredAt = Date.now();
    stack.gateway.recover();
    const unlock = await waitForCommand(stack, actionId, 'UNLOCK');
    // Retried at most 5 s apart (the activity's maximum interval), so it goes out soon after the recovery.
    expect(unlock.sentAt).toBeGreaterThanOrEqual(recoveredAt);
    expect(unlock.sentAt - recoveredAt).toBeLessThan(6000);
    await checkIn(device);
    await waitForStatus(stack, actionId, 'DEACTIVATED');
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE, ext_fields: {} });
    const handle = stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid));
    await handle.result();
    // Retries run on the server: however many attempts failed, the run's history is the size of one without
    // an outage (about 70 events), so an outage of any length cannot push it towards Temporal's limits.
    const events = (await handle.fetchHistory()).events?.length ?? 0;
    console.log(`gateway outage: ${stack.gateway.refused - refusedBefore} refused attempts, ${events} events in the run`);
    expect(stack.gateway.refused - refusedBefore).toBeGreaterThanOrEqual(5);
    outage.stop();
    expect(outage.entries).toHaveLength(stack.gateway.refused - refusedBefore);
    expect(events).toBeLessThan(80);
    await recordHistory(stack, tempLockWorkflowId(device.tenantId, device.uid), 'tempLock.gatewayOutage');
  });
});
