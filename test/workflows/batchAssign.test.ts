// BatchAssign with mocked activities on a dev server of its own (the binary we build, no databases):
// the window, counters across continue-as-new, cancel, retry runs, run boundaries with a slow device,
// and the failure threshold.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { GracefulShutdownPeriodExpiredError, Worker } from '@temporalio/worker';
import { installTestRuntime } from '../sdkRuntime';
import { quietDevServerPath } from '../serverExecutables';
import { randomUUID } from 'node:crypto';
import { BatchAssignInput, batchAssign } from '../../src/batches/batchAssignWorkflow';
import { batchProgressQuery, cancelBatchSignal } from '../../src/batches/contract';
import { BatchIdKey, BatchModeKey, DeviceUidKey, TenantIdKey } from '../../src/platform/temporal/searchAttributes';
import { FakeBatch } from './fakeBatch';
import { testWorkflowCode } from '../workflowBundle';
import { waitFor } from '../waitFor';

jest.setTimeout(240_000);

let env: TestWorkflowEnvironment;
let workflowCode: string;
const taskQueue = 'batch-workflow-test';
/** The batch the current test runs. */
let current: FakeBatch;

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

// A worker per test, so a test that leaves something running cannot hold up the next one.
let worker: Worker;
let running: Promise<void>;
beforeEach(async () => {
  current = new FakeBatch([]);
  // Each activity call goes to the batch the test set up (`current`), whenever it was assigned.
  const activities = Object.fromEntries(
    Object.keys(current.activities()).map((name) => [
      name,
      (...args: unknown[]) => (current.activities() as Record<string, (...a: unknown[]) => unknown>)[name]!(...args),
    ]),
  );
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code: workflowCode },
    activities,
    maxCachedWorkflows: 2000,
    shutdownGraceTime: '1 second',
    shutdownForceTime: '10 seconds',
  });
  running = worker.run();
});

afterEach(async () => {
  current.releaseAll();
  worker.shutdown();
  // A worker with a thousand workflows in its cache can outlast the force time here; what it was
  // doing by then is over (the test has its result), so that is not this test's failure.
  await running.catch((err) => {
    if (!(err instanceof GracefulShutdownPeriodExpiredError)) throw err;
  });
});

afterAll(async () => env?.teardown());

const uids = (n: number) => Array.from({ length: n }, (_, i) => `uid-${String(i + 1).padStart(5, '0')}`);

function input(overrides: Partial<BatchAssignInput> = {}): BatchAssignInput {
  return {
    batchId: randomUUID(),
    tenantId: 'tenant-a',
    attempt: 0,
    request: {
      targetWorkspaceId: 'tenant-a',
      mode: 'assign',
      catalogueWorkflowId: '0123456789abcdef01234567',
      catalogueTenantIds: ['tenant-a'],
      serviceTypeId: null,
      createMissing: false,
      requestedBy: 'test',
      source: 'BATCH',
    },
    windowSize: 5,
    pageSize: 50,
    childrenPerRun: 20,
    ...overrides,
  };
}

function start(batch: BatchAssignInput) {
  return env.client.workflow.start(batchAssign, { taskQueue, workflowId: `batch/${batch.batchId}`, args: [batch] });
}

/** Most checks query the workflow (a workflow task on the server and the worker each), so waitFor's backing off matters. */
const until = (what: string, check: () => boolean | Promise<boolean>) => waitFor(what, async () => await check(), 180_000);

describe('BatchAssign (mocked activities)', () => {
  it('never runs more children than the window', async () => {
    current = new FakeBatch(uids(60), () => 'OK', 30);
    const result = await (await start(input({ windowSize: 5 }))).result();
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 60 } });
    expect(current.maxInFlight).toBeLessThanOrEqual(5);
    expect(current.maxInFlight).toBeGreaterThan(1);
  });

  it('keeps its counters across continue-as-new', async () => {
    const devices = uids(45);
    const last = devices[devices.length - 1]!;
    current = new FakeBatch(devices, (uid) => (Number(uid.slice(-5)) % 9 === 0 ? 'DEVICE_NOT_FOUND' : 'OK'));
    current.hold(last);
    const handle = await start(input({ childrenPerRun: 10 }));
    // The last device holds the last run open: its progress is everything the earlier runs counted.
    await until('all but the last device counted', async () => (await handle.query(batchProgressQuery)).done === 44);
    const progress = await handle.query(batchProgressQuery);
    expect(progress.runs).toBeGreaterThanOrEqual(4);
    expect(progress.byCode).toEqual({ OK: 40, DEVICE_NOT_FOUND: 4 });
    current.release(last);
    expect(await handle.result()).toMatchObject({ status: 'COMPLETED', byCode: { OK: 40, DEVICE_NOT_FOUND: 5 } });
  });

  it('cancel in the middle of the window: no new children, the rest CANCELLED', async () => {
    current = new FakeBatch(uids(100), () => 'OK', 100);
    const handle = await start(input({ windowSize: 4 }));
    await until('ten devices done', () => current.count('SUCCEEDED') >= 10);
    const startedBeforeCancel = current.assignedBy.length;
    await handle.signal(cancelBatchSignal);
    const result = await handle.result();
    expect(result.status).toBe('CANCELLED');
    expect(current.count('PENDING')).toBe(0);
    expect(current.count('SUCCEEDED') + current.count('CANCELLED')).toBe(100);
    expect(current.count('CANCELLED')).toBeGreaterThan(80);
    expect(current.finished?.status).toBe('CANCELLED');
    // At most the children already in the window when the cancel arrived got to their device.
    expect(current.assignedBy.length).toBeLessThanOrEqual(startedBeforeCancel + 4);
  });

  it('a retry run only works on the failed rows, under retry child ids', async () => {
    current = new FakeBatch(uids(20));
    const failedEarlier = new Set(['uid-00003', 'uid-00011', 'uid-00017']);
    for (const row of current.rows) if (!failedEarlier.has(row.uid)) Object.assign(row, { status: 'SUCCEEDED', code: 'OK' });
    const batch = input({ attempt: 1 });
    const result = await (
      await env.client.workflow.start(batchAssign, { taskQueue, workflowId: `batch/${batch.batchId}/retry-1`, args: [batch] })
    ).result();
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 20 } });
    expect(current.assignedBy.sort()).toEqual([...failedEarlier].map((uid) => `device-assign/${batch.batchId}/retry-1/${uid}`).sort());
  });

  it('one slow device does not hold up the batch at run boundaries (150 devices, 10 runs)', async () => {
    const devices = uids(150);
    const slow = devices[4]!;
    current = new FakeBatch(devices);
    current.hold(slow);
    const handle = await start(input({ windowSize: 10, pageSize: 30, childrenPerRun: 15 }));
    await until('every other device counted', async () => (await handle.query(batchProgressQuery)).done === 149);
    expect(current.row(slow).status).toBe('PENDING');
    const progress = await handle.query(batchProgressQuery);
    expect(progress).toMatchObject({ done: 149, running: 1 });
    expect(progress.runs).toBeGreaterThanOrEqual(9);
    current.release(slow);
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 150 } });
    expect(new Set(current.assignedBy).size).toBe(150);
  });

  it('a handed-over child terminated from outside (the Web UI) does not hold the batch: its device ends INTERNAL_ERROR', async () => {
    const devices = uids(30);
    const slow = devices[1]!;
    current = new FakeBatch(devices);
    current.hold(slow);
    const batch = input({ windowSize: 5, childrenPerRun: 5, handedOverLookMs: 500 });
    const handle = await start(batch);
    // Every other device counted: the slow one's child was handed over by the first run, several runs ago.
    await until('every other device counted', async () => (await handle.query(batchProgressQuery)).done === 29);
    expect((await handle.query(batchProgressQuery)).runs).toBeGreaterThanOrEqual(2);
    await env.client.workflow.getHandle(`device-assign/${batch.batchId}/${slow}`).terminate('terminated from the Web UI');
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 29, INTERNAL_ERROR: 1 } });
    expect(current.row(slow)).toMatchObject({ status: 'FAILED', code: 'INTERNAL_ERROR' });
  });

  it('cancelled (the workflow execution) before its first activity returned: the batch ends CANCELLED, not the execution', async () => {
    let markStarted!: () => void;
    const startCalled = new Promise<void>((resolve) => (markStarted = resolve));
    let releaseStart!: () => void;
    const startHeld = new Promise<void>((resolve) => (releaseStart = resolve));
    const batch = new FakeBatch(uids(5));
    const activities = batch.activities();
    current = Object.assign(Object.create(batch) as FakeBatch, {
      activities: () => ({
        ...activities,
        batchRunStarted: async (args: Parameters<typeof activities.batchRunStarted>[0]) => {
          markStarted();
          await startHeld;
          return activities.batchRunStarted(args);
        },
      }),
    });
    const handle = await start(input());
    await startCalled;
    await handle.cancel();
    // The first activity still hangs: the batch ends without waiting for it.
    const ended = await handle.result().catch((err: unknown) => err);
    releaseStart();
    expect(ended).toMatchObject({ status: 'CANCELLED', byStatus: { CANCELLED: 5 } });
    expect(batch.finished?.status).toBe('CANCELLED');
  });

  it('stops at the failure threshold: the running children cancelled, the rest CANCELLED, the batch FAILED', async () => {
    current = new FakeBatch(uids(40), (uid) => (uid >= 'uid-00006' && uid <= 'uid-00015' ? 'DEVICE_NOT_FOUND' : 'OK'), 20);
    const result = await (await start(input({ windowSize: 2, failureThreshold: { maxFailures: 3, maxFailurePercent: null } }))).result();
    expect(result.status).toBe('FAILED');
    expect(result.stopped).toMatchObject({ threshold: 'maxFailures', limit: 3, failed: 4 });
    expect(result.stopped?.message).toBe('stopped: 4 of 9 processed devices failed, more than maxFailures=3');
    expect(current.finished).toEqual({ status: 'FAILED', stopReason: result.stopped });
    expect(current.count('PENDING')).toBe(0);
    expect(current.count('CANCELLED')).toBeGreaterThan(20);
    expect(current.assignedBy.length).toBeLessThanOrEqual(11);
  });

  it('past the threshold, a child still running is cancelled with the stop reason as its device’s message', async () => {
    current = new FakeBatch(uids(20), (uid) => (uid === 'uid-00001' ? 'OK' : 'DEVICE_NOT_FOUND'));
    // Held past the threshold: its child is running when the batch stops.
    current.hold('uid-00001');
    const stopped = await (await start(input({ windowSize: 10, failureThreshold: { maxFailures: 3, maxFailurePercent: null } }))).result();
    expect(stopped.status).toBe('FAILED');
    expect(stopped.stopped!.message).toMatch(/^stopped: 4 of \d+ processed devices failed, more than maxFailures=3$/);
    expect(current.row('uid-00001')).toMatchObject({ status: 'CANCELLED', code: 'CANCELLED' });
    expect(current.settledWith.get('uid-00001')).toBe(`the batch ${stopped.stopped!.message}`);
  });

  it('with a threshold, opens its window at 5 and doubles it while within the threshold', async () => {
    const devices = uids(100);
    current = new FakeBatch(devices, () => 'OK', 30);
    for (const uid of devices.slice(0, 5)) current.hold(uid);
    const handle = await start(
      input({ windowSize: 40, childrenPerRun: 200, failureThreshold: { maxFailures: 10, maxFailurePercent: null } }),
    );
    await until('the first five devices to run', () => current.inFlight === 5);
    expect(await handle.query(batchProgressQuery)).toMatchObject({ window: 5, running: 5, done: 0 });
    expect(current.assignedBy).toHaveLength(5);
    current.releaseAll();
    expect(await handle.result()).toMatchObject({ status: 'COMPLETED', byCode: { OK: 100 } });
    expect(current.maxInFlight).toBeGreaterThan(5);
    expect(current.maxInFlight).toBeLessThanOrEqual(40);
    expect(await handle.query(batchProgressQuery)).toMatchObject({ window: 40 });
  });

  it('completes under the threshold', async () => {
    current = new FakeBatch(uids(40), (uid) => (uid <= 'uid-00003' ? 'DEVICE_NOT_FOUND' : 'OK'));
    const result = await (await start(input({ failureThreshold: { maxFailures: 3, maxFailurePercent: 10 } }))).result();
    expect(result).toMatchObject({ status: 'COMPLETED', stopped: null, byCode: { OK: 37, DEVICE_NOT_FOUND: 3 } });
  });
});
