// Every batch ends, and its status only moves forward: a run that ends after its batch was cancelled
// without it (a late start racing the cancel) leaves the batch CANCELLED, no final status is written over
// another, and a RUNNING batch whose run ended in Temporal without ending it is ended by the reconciler,
// however many RUNNING batches come before it.
import { startBatchReconciler } from '../../src/batches/reconciler';
import { startBatchRun } from '../../src/batches/runs';
import { cancelBatchWithoutRun, countRows, findBatch, writeBatchOutcome } from '../../src/batches/store';
import { createLogger } from '../../src/platform/logger';
import { TestStack, startTestStack, waitFor } from './harness';
import { BatchTenant, batchRows, batchTenant, seedDevices, storeBatch } from './batchSupport';

describe('batch status', () => {
  let stack: TestStack;
  let tenant: BatchTenant;

  beforeAll(async () => {
    stack = await startTestStack();
    tenant = await batchTenant(stack);
  });
  afterAll(async () => stack.close());

  const storedBatch = (uids: string[]) => storeBatch(stack, tenant, uids);
  const statusOf = async (batchId: string) => (await findBatch(stack.pool, batchId, [tenant.tenantId]))!.status;

  it('a final status is never written over another', async () => {
    const batch = await storedBatch(await seedDevices(stack, tenant.tenantId, 2));
    expect(await cancelBatchWithoutRun(stack.pool, batch.id, ['CREATED'])).toBe(true);
    const counts = await countRows(stack.pool, batch.id);
    const stored = await writeBatchOutcome(stack.pool, batch.id, {
      attempt: 0,
      status: 'COMPLETED',
      counts,
      isSuccess: true,
      stopReason: null,
    });
    expect(stored).toBe('CANCELLED');
    expect(await statusOf(batch.id)).toBe('CANCELLED');
  });

  it("an earlier run's late outcome does not end the batch's next run", async () => {
    const batch = await storedBatch(await seedDevices(stack, tenant.tenantId, 1));
    await stack.pool.query(
      `UPDATE t_batch_action SET status = 'RUNNING', ext_fields = ext_fields || '{"retries": 1}'::jsonb WHERE id = $1`,
      [batch.id],
    );
    const counts = await countRows(stack.pool, batch.id);
    await writeBatchOutcome(stack.pool, batch.id, { attempt: 0, status: 'FAILED', counts, isSuccess: false, stopReason: null });
    expect(await statusOf(batch.id)).toBe('RUNNING');
    await writeBatchOutcome(stack.pool, batch.id, { attempt: 1, status: 'COMPLETED', counts, isSuccess: true, stopReason: null });
    expect(await statusOf(batch.id)).toBe('COMPLETED');
  });

  it('a late start of a batch cancelled before its run started leaves it CANCELLED', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 3);
    // The reconciler (or an upload whose start timed out) read the batch CREATED; the cancel wins the race.
    const readBeforeCancel = await storedBatch(uids);
    expect(await cancelBatchWithoutRun(stack.pool, readBeforeCancel.id, ['CREATED'])).toBe(true);
    const worker = await stack.newWorker();
    const result = await worker.runUntil(async () => {
      const deps = { config: stack.config, pool: stack.pool, temporal: stack.client };
      const workflowId = await startBatchRun(deps, readBeforeCancel, 0);
      return stack.client.workflow.getHandle(workflowId).result();
    });
    expect(result).toMatchObject({ status: 'CANCELLED', total: 3, byStatus: { CANCELLED: 3 } });
    expect(await statusOf(readBeforeCancel.id)).toBe('CANCELLED');
  });

  it('a batch whose run ended without ending it (terminated from the Web UI) is ended by the reconciler, which pages through every RUNNING batch', async () => {
    const deps = { config: stack.config, pool: stack.pool, temporal: stack.client };
    // No worker polls this stack's task queue: the runs start (the batches are RUNNING) and stay there until terminated.
    const batches = [];
    for (let i = 0; i < 3; i++) {
      const batch = await storeBatch(stack, tenant, await seedDevices(stack, tenant.tenantId, 2));
      const workflowId = await startBatchRun(deps, batch, 0);
      await stack.client.workflow.getHandle(workflowId).terminate('terminated from the Web UI');
      batches.push(batch);
    }
    const reconciler = startBatchReconciler(
      { ...deps, log: createLogger('silent', 'run-ended-test') },
      // A few a round: the suite's database holds other tests' RUNNING batches too, and every one is paged through.
      { intervalMs: 100, unstartedGraceMs: 60_000, runningCheckEvery: 1, batchesPerRound: 10 },
    );
    try {
      for (const batch of batches) {
        await waitFor(
          `batch ${batch.id} to end`,
          async () => {
            const stored = await findBatch(stack.pool, batch.id, [tenant.tenantId]);
            return stored?.status === 'CANCELLED';
          },
          150_000,
        );
        const rows = [...(await batchRows(stack, batch.id)).values()];
        expect(rows.map((r) => `${r.status} ${r.code}`)).toEqual(['CANCELLED CANCELLED', 'CANCELLED CANCELLED']);
      }
    } finally {
      await reconciler.stop();
    }
  }, 200_000);
});
