// BatchAssign under stress of its own: continue-as-new across several runs, cancel in the middle,
// and a worker stopped mid-batch and replaced. Every device ends with exactly one result, no double
// assignment and no duplicate milestone (checked in PostgreSQL and MongoDB).
import { batchAssign } from '../../src/batches/batchAssignWorkflow';
import { batchProgressQuery } from '../../src/batches/contract';
import { TestStack, startTestStack, waitFor } from './harness';
import {
  BatchTenant,
  batchTenant,
  csvOf,
  doneRowCount,
  expectExactlyOnce as expectExactlyOnceIn,
  seedDevices,
  uploadCsv,
  waitForBatchEnd,
} from './batchSupport';
import { apiClient, expectStatus } from './apiClient';
import { longestRunHistory } from '../../dev/runHistories';

jest.setTimeout(120_000);
describe('BatchAssign resilience', () => {
  let stack: TestStack;
  let base: string;
  let tenant: BatchTenant;
  const defaults = { windowSize: 0, childrenPerRun: 0 };

  beforeAll(async () => {
    stack = await startTestStack();
    base = await stack.startApi();
    tenant = await batchTenant(stack);
    Object.assign(defaults, stack.config.batch);
  });
  afterEach(() => Object.assign(stack.config.batch, defaults));
  afterAll(async () => stack.close());

  async function withWorker<T>(work: () => Promise<T>): Promise<T> {
    const worker = await stack.newWorker();
    return worker.runUntil(work());
  }

  const doneRows = (batchId: string) => doneRowCount(stack, batchId);
  const expectExactlyOnce = (batchId: string, uids: string[]) => expectExactlyOnceIn(stack, tenant.tenantId, batchId, uids);

  it('continues-as-new every few children and still counts every device', async () => {
    stack.config.batch.childrenPerRun = 10;
    stack.config.batch.windowSize = 4;
    const uids = await seedDevices(stack, tenant.tenantId, 35);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...uids, 'bad-']), { mode: 'assign', workflowId: tenant.workflowId });
    const batchId = expectStatus(upload, 202).batchId;
    const result = await withWorker(() => stack.client.workflow.getHandle<typeof batchAssign>(`batch/${batchId}`).result());
    expect(result).toMatchObject({ status: 'COMPLETED', total: 36, byCode: { OK: 35, INVALID_DEVICE_UID: 1 } });
    expect(result.runs).toBeGreaterThanOrEqual(4);
    const longest = await longestRunHistory(stack.client, `batch/${batchId}`);
    expect(longest).toBeGreaterThan(0);
    expect(longest).toBeLessThan(200);
    await expectExactlyOnce(batchId, [...uids, 'bad-']);
    await recordFirstRun(stack, `batch/${batchId}`, 'batchAssign.continueAsNew');
  });

  it('cancel in the middle: no new children, remaining rows CANCELLED, nothing assigned for them', async () => {
    stack.config.batch.windowSize = 2;
    const uids = await seedDevices(stack, tenant.tenantId, 120);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId });
    const batchId = expectStatus(upload, 202).batchId;
    const handle = stack.client.workflow.getHandle(`batch/${batchId}`);
    await withWorker(async () => {
      await waitFor('some devices done', async () => (await doneRows(batchId)) >= 6);
      const progress = await handle.query(batchProgressQuery);
      expect(progress).toMatchObject({ batchId, total: 120, cancelRequested: false });
      expectStatus(await apiClient(base, tenant.apiKey).post('/batches/{id}/cancel', { path: { id: batchId } }), 202);
      return handle.result();
    });
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.status).toBe('CANCELLED');
    const byStatus = await expectExactlyOnce(batchId, uids);
    expect(byStatus.CANCELLED).toBeGreaterThan(50);
    expect((byStatus.SUCCEEDED ?? 0) + byStatus.CANCELLED).toBe(120);
    const again = await apiClient(base, tenant.apiKey).post('/batches/{id}/cancel', { path: { id: batchId } });
    expect(expectStatus(again, 409).code).toBe('CONFLICT');
  });

  it('a worker stopped mid-batch and a new one started: every device ends with exactly one result', async () => {
    stack.config.batch.windowSize = 5;
    stack.config.batch.childrenPerRun = 40;
    const uids = await seedDevices(stack, tenant.tenantId, 150);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId });
    const batchId = expectStatus(upload, 202).batchId;

    // A short sticky timeout: tasks cached on the stopped worker move to the new one at once.
    const first = await stack.newWorker({ stickyQueueScheduleToStartTimeout: '1 second' });
    const firstRun = first.run();
    await waitFor('a third of the devices done', async () => (await doneRows(batchId)) >= 50);
    first.shutdown();
    await firstRun;
    const doneWhenStopped = await doneRows(batchId);
    expect(doneWhenStopped).toBeLessThan(150);

    await withWorker(() => stack.client.workflow.getHandle(`batch/${batchId}`).result());
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done).toMatchObject({ status: 'COMPLETED', countersByCode: { OK: 150 } });
    const byStatus = await expectExactlyOnce(batchId, uids);
    expect(byStatus).toEqual({ SUCCEEDED: 150 });
  });
});

/** Like recordHistory, for the first run of a workflow that continued-as-new. */
async function recordFirstRun(stack: TestStack, workflowId: string, name: string): Promise<void> {
  if (!process.env.DO_RECORD_HISTORIES) return;
  const { writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
  const description = await stack.client.workflow.getHandle(workflowId).describe();
  const firstRunId = description.raw.workflowExecutionInfo?.firstRunId;
  if (!firstRunId) throw new Error(`no first run id for ${workflowId}`);
  const history = historyToJSON(await stack.client.workflow.getHandle(workflowId, firstRunId).fetchHistory());
  await writeFile(join(__dirname, '..', 'replay', 'histories', `${name}.json`), history + '\n');
}
