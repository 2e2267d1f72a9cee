// A batch's schedule with mocked activities on a dev server of its own (the binary we build): startAt
// holds every device until then (SCHEDULED); withinWorkingHours starts devices only inside the target's
// working windows (WAITING_FOR_WORKING_HOURS until the next opens, running devices finishing), on durable
// timers. The windows are seconds long here, given as instants by the mocked calendar activity (the
// calendar's own rules are tested in test/unit/domain/workingHours.test.ts). The calendar over days, time skipped: batchCalendar.test.ts.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { BatchAssignInput, BatchProgress, batchAssign } from '../../src/batches/batchAssignWorkflow';
import { batchProgressQuery } from '../../src/batches/contract';
import { BatchIdKey, BatchModeKey, DeviceUidKey, TenantIdKey } from '../../src/platform/temporal/searchAttributes';
import { installTestRuntime } from '../sdkRuntime';
import { quietDevServerPath } from '../serverExecutables';
import { testWorkflowCode } from '../workflowBundle';
import { waitFor } from '../waitFor';
import { FakeBatch, scheduledBatchInput } from './fakeBatch';

jest.setTimeout(120_000);

let env: TestWorkflowEnvironment;
let workflowCode: string;

beforeAll(async () => {
  installTestRuntime('WARN');
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: quietDevServerPath() },
      searchAttributes: [BatchIdKey, TenantIdKey, DeviceUidKey, BatchModeKey],
    },
  });
  workflowCode = await testWorkflowCode();
});
afterAll(async () => env?.teardown());

const uids = (n: number) => Array.from({ length: n }, (_, i) => `uid-${String(i + 1).padStart(5, '0')}`);

const input = scheduledBatchInput;

/**
 * Runs the batch `batchAt` gives on a worker over `fake`'s activities until it ends; `whileRunning` acts on it first.
 * The input is made once the worker is up, so times in it count from the batch's start.
 */
async function runBatch(
  fake: FakeBatch,
  batchAt: () => BatchAssignInput,
  whileRunning: (query: () => Promise<BatchProgress>) => Promise<void>,
) {
  const taskQueue = `batch-schedule-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code: workflowCode },
    activities: fake.activities(),
  });
  return worker.runUntil(async () => {
    const batch = batchAt();
    const handle = await env.client.workflow.start(batchAssign, { taskQueue, workflowId: `batch/${batch.batchId}`, args: [batch] });
    await whileRunning(() => handle.query(batchProgressQuery));
    return handle.result();
  });
}

const until = (what: string, check: () => Promise<boolean>) => waitFor(what, check, 30_000);

describe('BatchAssign schedule', () => {
  it('startAt: SCHEDULED until then, no device starts before it, then RUNNING to the end', async () => {
    const fake = new FakeBatch(uids(12));
    // Counted from the batch's start (a slow start on a loaded machine passed a startAt counted from the test's start
    // before the run could show SCHEDULED).
    let startAt = '';
    const batch = () => {
      startAt = new Date(Date.now() + 4_000).toISOString();
      return input({ schedule: { startAt, withinWorkingHours: false } });
    };
    const result = await runBatch(fake, batch, async (query) => {
      await until('the batch to show SCHEDULED', async () => (await query()).status === 'SCHEDULED');
      expect(await query()).toMatchObject({ status: 'SCHEDULED', nextStartAt: startAt, done: 0, running: 0 });
    });
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 12 } });
    expect(fake.assignedAt).toHaveLength(12);
    expect(Math.min(...fake.assignedAt)).toBeGreaterThanOrEqual(Date.parse(startAt));
    expect(fake.runStatuses).toEqual([
      { status: 'SCHEDULED', nextStartAt: startAt },
      { status: 'RUNNING', nextStartAt: null },
    ]);
  });

  it('withinWorkingHours: waits for a window, stops starting devices when it closes, goes on in the next', async () => {
    const fake = new FakeBatch(uids(24), () => 'OK', 300);
    // Two windows, counted from the run's first question (a worker slow to start on a loaded machine missed windows
    // counted from the test's start).
    let first = { from: 0, until: 0 };
    let second = { from: 0, until: 0 };
    fake.workingSpans = (at) => {
      first = { from: at + 2_000, until: at + 4_000 };
      second = { from: at + 7_000, until: at + 120_000 };
      return [first, second];
    };
    const result = await runBatch(
      fake,
      () => input({ schedule: { startAt: null, withinWorkingHours: true } }),
      async (query) => {
        await until('the batch to wait for working hours', async () => (await query()).status === 'WAITING_FOR_WORKING_HOURS');
        expect(await query()).toMatchObject({ nextStartAt: new Date(first.from).toISOString(), done: 0 });
      },
    );
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 24 } });
    // A device starts only inside a window (its work scheduled within a second of its child's start).
    const inFirst = fake.assignedAt.filter((at) => at >= first.from && at <= first.until + 1_000);
    const inSecond = fake.assignedAt.filter((at) => at >= second.from);
    expect(inFirst.length).toBeGreaterThan(0);
    expect(inSecond.length).toBeGreaterThan(0);
    expect(inFirst.length + inSecond.length).toBe(24);
    expect(fake.runStatuses).toEqual([
      { status: 'WAITING_FOR_WORKING_HOURS', nextStartAt: new Date(first.from).toISOString() },
      { status: 'RUNNING', nextStartAt: null },
      { status: 'WAITING_FOR_WORKING_HOURS', nextStartAt: new Date(second.from).toISOString() },
      { status: 'RUNNING', nextStartAt: null },
    ]);
  });
});
