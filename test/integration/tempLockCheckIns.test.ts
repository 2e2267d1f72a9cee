// A lock's check-ins have no limit: 5,000 check-ins through the API on one lock make it continue as new
// (each run far below Temporal's limits), and it still unlocks on time.
import { Worker } from '@temporalio/worker';
import { tempLockWorkflowId } from '../../src/domain/tempLock';
import { TestStack, recordHistory, startTestStack } from './harness';
import { expectStatus } from './apiClient';
import { lockClients, lockableDevice, waitForCommand, waitForStatus } from './tempLockSupport';

jest.setTimeout(240_000);

const CHECK_INS = 5000;
const CONCURRENCY = 16;

describe('TempLock: unlimited check-ins', () => {
  let stack: TestStack;
  let worker: Worker;
  let running: Promise<void>;
  let base: string;

  beforeAll(async () => {
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

  it(`takes ${CHECK_INS} check-ins on one lock, continuing as new, and unlocks on time`, async () => {
    const device = await lockableDevice(stack);
    const { operator, gateway, uid } = lockClients(base, device);
    const { actionId } = expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 100 } }), 202);
    await waitForStatus(stack, actionId, 'ACTIVATING');
    const dueAt = Date.parse(expectStatus(await gateway.post('/devices/{uid}/check-in', uid), 200).lockUntil!);
    await waitForStatus(stack, actionId, 'ACTIVATED');

    const started = Date.now();
    let sent = 0;
    const answers = new Map<string, number>();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < CHECK_INS) {
          sent++;
          const answer = await gateway.post('/devices/{uid}/check-in', uid);
          const key = `${answer.status} ${answer.status === 200 ? answer.body.directive : answer.body.code}`;
          answers.set(key, (answers.get(key) ?? 0) + 1);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${CHECK_INS} check-ins in ${seconds.toFixed(1)} s (${Math.round(CHECK_INS / seconds)}/s): ${JSON.stringify([...answers])}`,
    );
    expect([...answers.keys()].every((k) => k.startsWith('200 '))).toBe(true);

    const unlock = await waitForCommand(stack, actionId, 'UNLOCK', 180_000);
    expect(unlock.dueAt).toBe(dueAt);
    expect(unlock.sentAt).toBeGreaterThanOrEqual(dueAt);
    expect(unlock.sentAt - dueAt).toBeLessThan(1000);
    await gateway.post('/devices/{uid}/check-in', uid);
    await waitForStatus(stack, actionId, 'DEACTIVATED');

    const workflowId = tempLockWorkflowId(device.tenantId, device.uid);
    const handle = stack.client.workflow.getHandle(workflowId);
    expect(await handle.result()).toMatchObject({ status: 'DEACTIVATED', lockEndsAt: dueAt });
    const runs: { runId: string; events: number }[] = [];
    for (let runId: string | null | undefined = (await handle.describe()).raw.workflowExecutionInfo?.firstRunId; runId;) {
      const history: {
        events?: { workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null }[] | null;
      } = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
      runs.push({ runId, events: history.events?.length ?? 0 });
      runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    console.log(`runs: ${runs.map((r) => r.events).join(', ')} events`);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...runs.map((r) => r.events))).toBeLessThan(10_000);
    // The last run, started from the state carried over (the first runs' histories are large: see test/workflows).
    await recordHistory(stack, workflowId, 'tempLock.checkIns.lastRun', runs.at(-1)!.runId);
  });
});
