// Two stores, one truth per device: MongoDB (the device's document) is written first, PostgreSQL
// commits last. A failure between the two writes — injected from the test side by a pool whose
// COMMIT fails — is harmless: the activity's retry completes the device, and a device whose retries
// run out is settled so that no assignment is left without its result row and milestone.
import { Pool, PoolClient } from 'pg';
import { createDeviceAssignmentActivities, DeviceAssignmentRequest } from '../../src/devices/deviceAssignActivities';
import { createPgPool } from '../../src/platform/db/postgres';
import { createWorker } from '../../src/platform/worker/createWorker';
import { batchAssign } from '../../src/batches/batchAssignWorkflow';
import { expectStatus } from './apiClient';
import { TestStack, startTestStack } from './harness';
import { BatchTenant, batchTenant, csvOf, expectExactlyOnce, milestoneCounts, seedDevices, uploadCsv } from './batchSupport';
import { createActivities } from '../../src/platform/worker/activities';
import { expectActivityFailures } from '../sdkRuntime';
import { testWorkflowBundlePath } from '../workflowBundle';

jest.setTimeout(120_000);

/** A pool of its own whose next `failures` COMMITs roll back and throw, as if the connection dropped right then. */
function poolFailingCommits(url: string): Pool & { failures: number } {
  const pool = Object.assign(createPgPool(url, 10), { failures: 0 });
  const wrapped = new WeakSet<PoolClient>();
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<PoolClient>;
  pool.connect = (async (callback?: unknown) => {
    // pool.query checks out with a callback and never runs COMMIT: left as it is.
    if (callback) return connect(callback);
    const client = await connect();
    if (!wrapped.has(client)) {
      wrapped.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
      client.query = (async (...args: unknown[]) => {
        if (args[0] === 'COMMIT' && pool.failures > 0) {
          pool.failures -= 1;
          await query('ROLLBACK');
          throw new Error('injected: connection lost before COMMIT');
        }
        return query(...args);
      }) as PoolClient['query'];
    }
    return client;
  }) as Pool['connect'];
  return pool;
}

describe('two stores, one truth per device', () => {
  let stack: TestStack;
  let base: string;
  let tenant: BatchTenant;

  beforeAll(async () => {
    stack = await startTestStack();
    base = await stack.startApi();
    tenant = await batchTenant(stack);
  });
  afterAll(async () => stack.close());

  it('a COMMIT failing after MongoDB was written: the retry completes every device exactly once', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 6);
    const pool = poolFailingCommits(stack.config.postgres.url);
    pool.failures = uids.length;
    // Each injected failure fails one attempt: a warning of the SDK's worker, collected (and counted below), not printed.
    const injected = expectActivityFailures('assignDevice', /injected: connection lost before COMMIT/);
    const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId }), 202);
    const worker = await createWorker({
      connection: stack.nativeConnection,
      namespace: stack.config.temporal.namespace,
      taskQueue: stack.taskQueue,
      activities: createActivities({ pool, mongo: stack.mongo, gateway: stack.gateway }),
      workflowBundle: { codePath: testWorkflowBundlePath() },
    });
    const result = await worker
      .runUntil(stack.client.workflow.getHandle<typeof batchAssign>(`batch/${upload.batchId}`).result())
      .finally(() => pool.end());
    expect(pool.failures).toBe(0);
    injected.stop();
    expect(injected.entries).toHaveLength(uids.length);
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 6 } });
    expect(await expectExactlyOnce(stack, tenant.tenantId, upload.batchId, uids)).toEqual({ SUCCEEDED: 6 });
  });

  describe('retries ran out between the two writes', () => {
    let batchId: string;
    let rows: Map<string, number>;
    const failingPools: Pool[] = [];
    afterAll(async () => Promise.all(failingPools.map((p) => p.end())));
    const failing = () => {
      const pool = Object.assign(poolFailingCommits(stack.config.postgres.url), { failures: 1 });
      failingPools.push(pool);
      return createDeviceAssignmentActivities({ pool, mongo: stack.mongo });
    };
    const healthy = () => createDeviceAssignmentActivities({ pool: stack.pool, mongo: stack.mongo });
    const request = (uid: string, mode: 'assign' | 'exit'): DeviceAssignmentRequest => ({
      callerTenantId: tenant.tenantId,
      targetWorkspaceId: tenant.tenantId,
      deviceUid: uid,
      mode,
      catalogueWorkflowId: mode === 'exit' ? null : tenant.workflowId,
      catalogueTenantIds: [tenant.tenantId],
      serviceTypeId: null,
      createMissing: false,
      requestedBy: 'test',
      source: 'BATCH',
      batch: { batchId, rowNumber: rows.get(uid)! },
      requestKey: null,
    });

    // A batch whose workflow no worker runs: the test plays its devices' activities itself.
    async function batchOf(uids: string[], mode: 'assign' | 'exit'): Promise<void> {
      const query = mode === 'exit' ? { mode } : { mode, workflowId: tenant.workflowId };
      batchId = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), query), 202).batchId;
      await stack.client.workflow.getHandle(`batch/${batchId}`).terminate('the test runs the activities itself');
      const found = await stack.pool.query('SELECT row_number, device_uid FROM t_batch_action_device WHERE batch_action_id = $1', [
        batchId,
      ]);
      rows = new Map(found.rows.map((r) => [r.device_uid, Number(r.row_number)]));
    }

    it('an assignment MongoDB holds but PostgreSQL never recorded is undone; the row says INTERNAL_ERROR', async () => {
      const [uid] = await seedDevices(stack, tenant.tenantId, 1);
      await batchOf([uid!], 'assign');
      await expect(failing().assignDevice(request(uid!, 'assign'))).rejects.toThrow('injected');
      expect(await stack.mongo.devices.findOne({ tenant_id: tenant.tenantId, device_uid: uid })).toMatchObject({
        assignment_key: `batch/${batchId}`,
      });

      const settled = await healthy().settleDevice(request(uid!, 'assign'), { code: 'INTERNAL_ERROR', message: 'retries exhausted' });
      expect(settled).toMatchObject({ code: 'INTERNAL_ERROR', alreadyRecorded: false });
      expect(await stack.mongo.devices.findOne({ tenant_id: tenant.tenantId, device_uid: uid })).toMatchObject({
        workflow_version_id: null,
        assignment_key: null,
      });
      expect(await stack.mongo.deviceWorkflowSteps.findOne({ tenant_id: tenant.tenantId, device_uid: uid })).toMatchObject({
        status: 'CANCELLED',
      });
      expect(await milestoneCounts(stack, batchId)).toEqual([]);
      const row = await stack.pool.query(
        `SELECT status, result->>'code' AS code FROM t_batch_action_device WHERE batch_action_id = $1 AND row_number = $2`,
        [batchId, rows.get(uid!)],
      );
      expect(row.rows[0]).toEqual({ status: 'FAILED', code: 'INTERNAL_ERROR' });
    });

    it('an exit MongoDB already made is completed: milestone and OK row', async () => {
      const [uid] = await seedDevices(stack, tenant.tenantId, 1);
      await batchOf([uid!], 'assign');
      await healthy().assignDevice(request(uid!, 'assign'));
      await batchOf([uid!], 'exit');
      await expect(failing().assignDevice(request(uid!, 'exit'))).rejects.toThrow('injected');
      expect(await stack.mongo.devices.findOne({ tenant_id: tenant.tenantId, device_uid: uid })).toMatchObject({
        workflow_version_id: null,
      });

      const settled = await healthy().settleDevice(request(uid!, 'exit'), { code: 'INTERNAL_ERROR', message: 'retries exhausted' });
      expect(settled).toMatchObject({ code: 'OK', message: expect.stringContaining('exited') });
      expect(await milestoneCounts(stack, batchId)).toEqual([{ uid, milestone: 'EXIT_WORKFLOW_REQUESTED', n: 1 }]);
      const again = await healthy().settleDevice(request(uid!, 'exit'), { code: 'INTERNAL_ERROR', message: 'retries exhausted' });
      expect(again).toMatchObject({ code: 'OK', alreadyRecorded: true });
    });
  });
});
