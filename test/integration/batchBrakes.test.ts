// The brakes of a batch (SPEC §9 "Bulk safety") end to end: a failure threshold that limits the damage
// (a gradual window, and the children still running cancelled once it is crossed), pause and resume,
// and a batch scheduled to start a few seconds ahead (the calendar case: test/workflows/batchSchedule.test.ts).
import { batchProgressQuery } from '../../src/batches/contract';
import { TestStack, recordHistory, waitFor } from './harness';
import {
  BatchTenant,
  csvOf,
  doneRowCount,
  expectExactlyOnce,
  freshImei,
  seedDevices,
  uploadCsv,
  waitForBatchEnd,
  startBatchStack,
} from './batchSupport';
import { ApiClient, expectStatus } from './apiClient';
import { openEventStream } from './eventStreamSupport';

jest.setTimeout(120_000);
describe('batch brakes', () => {
  let stack: TestStack;
  let stop: () => Promise<void>;
  let base: string;
  let tenant: BatchTenant;
  let api: ApiClient;

  beforeAll(async () => {
    ({ stack, base, stop, tenant, api } = await startBatchStack());
  });
  afterEach(() => {
    stack.config.batch.windowSize = 200;
  });
  afterAll(async () => stop());

  /** Uploads an assign batch of `n` ready devices one at a time (window 1), so it is still running when the test acts on it. */
  async function slowBatch(n: number): Promise<{ batchId: string; uids: string[] }> {
    stack.config.batch.windowSize = 1;
    const uids = await seedDevices(stack, tenant.tenantId, n);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId });
    return { batchId: expectStatus(upload, 202).batchId, uids };
  }

  /** Once the paused batch's running children have finished: how many devices it has done (it starts no more). */
  async function settledWhilePaused(batchId: string): Promise<number> {
    const handle = stack.client.workflow.getHandle(`batch/${batchId}`);
    const progress = await waitFor('the running children to finish', async () => {
      const p = await handle.query(batchProgressQuery);
      return p.running === 0 ? p : undefined;
    });
    expect(progress.status).toBe('PAUSED');
    expect(await doneRowCount(stack, batchId)).toBe(progress.done);
    return progress.done;
  }

  /** The distinct messages the batch's CANCELLED rows carry. */
  async function cancelledRowMessages(batchId: string): Promise<string[]> {
    const { rows } = await stack.pool.query(
      `SELECT DISTINCT result->>'message' AS message FROM t_batch_action_device WHERE batch_action_id = $1 AND status = 'CANCELLED'`,
      [batchId],
    );
    return rows.map((r: { message: string }) => r.message).sort();
  }

  it('maxFailures limits the damage: an exit batch of 60 unknown devices ends FAILED with at most 15 rows FAILED, the rest CANCELLED', async () => {
    const uids = Array.from({ length: 60 }, freshImei);
    const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'exit', maxFailures: 5 }), 202);
    const done = await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
    expect(done).toMatchObject({ status: 'FAILED', stopReason: { threshold: 'maxFailures', limit: 5, failed: 6 } });
    const byStatus = await expectExactlyOnce(stack, tenant.tenantId, upload.batchId, uids);
    expect(byStatus.FAILED).toBeGreaterThanOrEqual(6);
    expect(byStatus.FAILED).toBeLessThanOrEqual(15);
    expect(byStatus).toEqual({ FAILED: byStatus.FAILED, CANCELLED: 60 - byStatus.FAILED! });
    expect(done.countersByCode).toEqual({ DEVICE_NOT_FOUND: byStatus.FAILED, CANCELLED: 60 - byStatus.FAILED! });
    // Every device it did not do says why, whether its child was cancelled while running or never started.
    expect(await cancelledRowMessages(upload.batchId)).toEqual([
      'the batch stopped: 6 of 6 processed devices failed, more than maxFailures=5',
    ]);
    await recordHistory(stack, `batch/${upload.batchId}`, 'batchAssign.failureThreshold');
  });

  it('pause: no new devices start, the batch shows PAUSED everywhere; resume: it runs to the end', async () => {
    const { batchId, uids } = await slowBatch(50);
    const stream = await openEventStream(`${base}/v1/batches/${batchId}/events`, tenant.apiKey);
    const paused = expectStatus(await api.post('/batches/{id}/pause', { path: { id: batchId } }), 200);
    expect(paused).toEqual({ batchId, status: 'PAUSED', links: { self: `${stack.config.api.publicUrl}/v1/batches/${batchId}` } });
    expect(expectStatus(await api.post('/batches/{id}/pause', { path: { id: batchId } }), 200).status).toBe('PAUSED');
    const doneWhilePaused = await settledWhilePaused(batchId);
    expect(doneWhilePaused).toBeLessThan(uids.length);

    expect(expectStatus(await api.get('/batches/{id}', { path: { id: batchId } }), 200)).toMatchObject({
      status: 'PAUSED',
      nextStartAt: null,
    });
    const listed = expectStatus(await api.get('/batches', { query: { status: 'PAUSED' } }), 200);
    expect(listed.batches.map((b) => b.batchId)).toContain(batchId);
    await waitFor('a PAUSED event', async () => stream.events.some((e) => JSON.parse(e.data).status === 'PAUSED'));
    // What the Web UI shows as the workflow's current details.
    const metadata = await stack.client.workflow
      .getHandle(`batch/${batchId}`)
      .query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(new RegExp(`^PAUSED: ${doneWhilePaused} / ${uids.length} — `));
    expect(await doneRowCount(stack, batchId)).toBe(doneWhilePaused);

    const resumed = expectStatus(await api.post('/batches/{id}/resume', { path: { id: batchId } }), 200);
    expect(resumed.status).toBe('RUNNING');
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    stream.abort();
    expect(done).toMatchObject({ status: 'COMPLETED', countersByCode: { OK: uids.length } });
    expect(await expectExactlyOnce(stack, tenant.tenantId, batchId, uids)).toEqual({ SUCCEEDED: uids.length });
    const refused = expectStatus(await api.post('/batches/{id}/pause', { path: { id: batchId } }), 409);
    expect(refused.detail).toBe(`batch ${batchId} is COMPLETED; only a started batch that has not ended can be paused`);
    await recordHistory(stack, `batch/${batchId}`, 'batchAssign.pauseResume');
  });

  it('cancel of a paused batch: the devices not done end CANCELLED', async () => {
    const { batchId, uids } = await slowBatch(40);
    expectStatus(await api.post('/batches/{id}/pause', { path: { id: batchId } }), 200);
    const doneWhilePaused = await settledWhilePaused(batchId);
    expect(expectStatus(await api.post('/batches/{id}/cancel', { path: { id: batchId } }), 202).status).toBe('CANCELLING');
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.status).toBe('CANCELLED');
    const byStatus = await expectExactlyOnce(stack, tenant.tenantId, batchId, uids);
    expect(byStatus.CANCELLED).toBe(uids.length - doneWhilePaused);
    expect(byStatus.SUCCEEDED ?? 0).toBe(doneWhilePaused);
    expect(await cancelledRowMessages(batchId)).toEqual(['the batch was cancelled']);
    const refused = expectStatus(await api.post('/batches/{id}/resume', { path: { id: batchId } }), 409);
    expect(refused.detail).toBe(`batch ${batchId} is CANCELLED; only a started batch that has not ended can be resumed`);
  });

  it('startAt a few seconds ahead: SCHEDULED with nextStartAt, nothing done before it, then it runs; bad values are 400', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 5);
    const startAt = new Date(Date.now() + 4_000).toISOString();
    const query = { mode: 'assign' as const, workflowId: tenant.workflowId, startAt };
    const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), query), 202);
    expect(upload.status).toBe('SCHEDULED');
    const scheduled = await waitFor('the batch to show SCHEDULED', async () => {
      const batch = expectStatus(await api.get('/batches/{id}', { path: { id: upload.batchId } }), 200);
      return batch.status === 'SCHEDULED' ? batch : undefined;
    });
    expect(scheduled).toMatchObject({ nextStartAt: startAt, progress: { done: 0 } });
    expect(Date.now()).toBeLessThan(Date.parse(startAt));
    const done = await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
    expect(done).toMatchObject({ status: 'COMPLETED', nextStartAt: null, countersByCode: { OK: 5 } });
    const { rows } = await stack.pool.query('SELECT min(finished_at) AS first FROM t_batch_action_device WHERE batch_action_id = $1', [
      upload.batchId,
    ]);
    expect(rows[0].first.getTime()).toBeGreaterThanOrEqual(Date.parse(startAt));
    await recordHistory(stack, `batch/${upload.batchId}`, 'batchAssign.scheduled');

    const past = await uploadCsv(base, tenant.apiKey, csvOf(uids), { ...query, startAt: '2020-01-01T00:00:00Z' });
    expect(expectStatus(past, 400)).toMatchObject({
      code: 'VALIDATION_FAILED',
      detail: 'startAt 2020-01-01T00:00:00Z is more than a minute in the past; leave it out to start at once',
    });
    const unparsable = await uploadCsv(base, tenant.apiKey, csvOf(uids), { ...query, startAt: 'next monday' });
    expect(expectStatus(unparsable, 400).detail).toMatch(/^startAt must be an ISO 8601 instant with its offset/);
  });
});
