// A lock's check-ins have no limit. 1,000 check-ins through the API on an ACTIVATED lock are answered from the
// stored lock and cost its workflow nothing (not one event); 3,000 check-in signals straight to the workflow
// (a flood of check-ins it acts on, three times CHECK_INS_PER_RUN) make it continue as new, each run far below
// Temporal's limits; it still unlocks on time. (`npm run bench:templock -- --checkins-per-s N` measures check-ins at scale.)
import type { WorkflowHandle } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { CHECK_INS_PER_RUN, tempLockWorkflowId } from '../../src/tempLocks/lock';
import { checkInSignal } from '../../src/tempLocks/contract';
import { TestStack, recordHistory, startServingStack, waitFor } from '../integration/harness';
import { expectStatus } from '../integration/apiClient';
import { lockClients, lockableDevice, waitForCommand, waitForStatus } from '../integration/tempLockSupport';

jest.setTimeout(240_000);

const CHECK_INS = 1000;
const SIGNALS = 3 * CHECK_INS_PER_RUN;
const CONCURRENCY = 16;
const BURST = 250;

describe('TempLock: unlimited check-ins', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack({ TEMP_LOCK_MINUTE_MS: '1000', TEMP_LOCK_DEACTIVATION_WAIT_MS: '60000' }));
  });
  afterAll(async () => {
    await stop();
  });

  it(`answers ${CHECK_INS} check-ins without touching the lock, takes ${SIGNALS} signals continuing as new, unlocks on time`, async () => {
    const device = await lockableDevice(stack);
    const { operator, gateway, uid } = lockClients(base, device);
    // A 100 s lock (one lock minute is a second here): the check-ins and signals below take ~13 s on an idle machine,
    // and well over 50 s on a loaded one (a 50 s lock ended under them there).
    const { actionId } = expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 100 } }), 202);
    await waitForStatus(stack, actionId, 'ACTIVATING');
    const dueAt = Date.parse(expectStatus(await gateway.post('/devices/{uid}/check-in', uid), 200).lockUntil!);
    await waitForStatus(stack, actionId, 'ACTIVATED');
    const workflowId = tempLockWorkflowId(device.tenantId, device.uid);
    const handle = stack.client.workflow.getHandle(workflowId);
    // Idle: the activation's write done, the workflow waiting on its timer.
    await idle(handle);
    const eventsBefore = (await handle.fetchHistory()).events?.length ?? 0;

    const answers = new Map<string, number>();
    await inParallel(CHECK_INS, async () => {
      const answer = await gateway.post('/devices/{uid}/check-in', uid);
      const key = `${answer.status} ${answer.status === 200 ? `${answer.body.directive} until ${answer.body.lockUntil}` : answer.body.code}`;
      answers.set(key, (answers.get(key) ?? 0) + 1);
    });
    expect([...answers]).toEqual([[`200 LOCK until ${new Date(dueAt).toISOString()}`, CHECK_INS]]);
    // Nothing for the lock to act on: no signal, no workflow task, not one event.
    expect((await handle.fetchHistory()).events?.length ?? 0).toBe(eventsBefore);

    // In bursts, as devices do: the server lets a run continue as new only in a workflow task that no new
    // signal interrupts, so an unbroken flood of signals would postpone it until the flood pauses.
    for (let burst = 0; burst < SIGNALS / BURST; burst++) {
      await inParallel(BURST, async () => {
        const checkedInAt = Date.now();
        await handle.signal(checkInSignal, {
          checkInId: randomUUID(),
          checkedInAt,
          lockStartsAt: checkedInAt,
          answer: { actionId, directive: 'LOCK' },
        });
      });
      await idle(handle);
    }

    const unlock = await waitForCommand(stack, actionId, 'UNLOCK', 180_000);
    expect(unlock.dueAt).toBe(dueAt);
    expect(unlock.sentAt).toBeGreaterThanOrEqual(dueAt);
    expect(unlock.sentAt - dueAt).toBeLessThan(1000);
    await gateway.post('/devices/{uid}/check-in', uid);
    await waitForStatus(stack, actionId, 'DEACTIVATED');

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

/** The lock's workflow has nothing to do: no activity running, no workflow task pending. */
async function idle(handle: WorkflowHandle): Promise<void> {
  await waitFor('the lock to idle', async () => {
    const { raw } = await handle.describe();
    return (raw.pendingActivities?.length ?? 0) === 0 && !raw.pendingWorkflowTask;
  });
}

/** Runs `task` `count` times, CONCURRENCY at once; prints the rate when it is the big one. */
async function inParallel(count: number, task: () => Promise<void>): Promise<void> {
  const started = Date.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (sent < count) {
        sent++;
        await task();
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  if (count === CHECK_INS) console.log(`${count} in ${seconds.toFixed(1)} s (${Math.round(count / seconds)}/s)`);
}
