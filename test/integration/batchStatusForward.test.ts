// A batch's status only moves forward: a run that ends after its batch was cancelled without it (a
// late start racing the cancel) leaves the batch CANCELLED, and no final status is written over another.
import { randomUUID } from 'node:crypto';
import { startBatchRun } from '../../src/api/batchRuns';
import { batchOptionsToExtFields } from '../../src/db/batchOptions';
import { BatchRecord, cancelBatchWithoutRun, countRows, findBatch, writeBatchOutcome } from '../../src/db/batchStore';
import { createBatchWithRows } from '../../src/db/batchUploads';
import { TestStack, startTestStack } from './harness';
import { BatchTenant, batchTenant, seedDevices } from './batchSupport';

describe('a batch status only moves forward', () => {
  let stack: TestStack;
  let tenant: BatchTenant;

  beforeAll(async () => {
    stack = await startTestStack();
    tenant = await batchTenant(stack);
  });
  afterAll(async () => stack.close());

  /** A batch stored as an upload stores it (CREATED), its workflow not started yet. */
  async function storedBatch(uids: string[]): Promise<BatchRecord> {
    const options = {
      mode: 'assign' as const,
      catalogueWorkflowId: tenant.workflowId,
      serviceTypeId: null,
      targetWorkspaceId: tenant.tenantId,
      createMissing: false,
      catalogueTenantIds: [tenant.tenantId],
      failureThreshold: null,
    };
    const rows = (async function* () {
      yield uids.map((uid, i) => ({ rowNumber: i + 1, uid, imei2: null, rejection: null }));
    })();
    const { batch } = await createBatchWithRows(
      stack.pool,
      {
        id: randomUUID(),
        tenantId: tenant.tenantId,
        createdBy: 'test',
        idempotencyKey: null,
        extFields: (counts) => ({ ...batchOptionsToExtFields(options, null), rows: counts }),
      },
      rows,
    );
    return batch;
  }
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
});
