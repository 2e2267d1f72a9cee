// Preview before start (SPEC §9, bulk safety) through the HTTP API on the real stack: an upload with preview=true
// predicts every row from the inventory and starts nothing; start runs it (the run's counts equal the prediction),
// starting again is harmless; DELETE discards a preview; previews expire.
import { WorkflowNotFoundError } from '@temporalio/client';
import { DeviceState } from '../../src/devices/states';
import { batchWorkflowId } from '../../src/batches/contract';
import { discardExpiredPreviews } from '../../src/batches/previewExpiry';
import { upsertTenant } from '../../dev/inventorySeed';
import { TestStack, createTenantWithKey } from './harness';
import { BatchTenant, csvOf, freshImei, seedDevices, uploadCsv, waitForBatchEnd, startBatchStack } from './batchSupport';
import { ApiClient, apiClient, expectStatus } from './apiClient';

jest.setTimeout(120_000);
describe('batch preview', () => {
  let stack: TestStack;
  let stop: () => Promise<void>;
  let base: string;
  let tenant: BatchTenant;
  let api: ApiClient;

  beforeAll(async () => {
    ({ stack, base, stop, tenant, api } = await startBatchStack());
  });
  afterAll(async () => stop());

  /** A workflow the catalogue does not know, held by the device's document (written with an ObjectId, as older ones are). */
  async function giveEarlierWorkflow(uid: string) {
    await stack.mongo.devices.insertOne({
      tenant_id: tenant.tenantId,
      device_uid: uid,
      is_activating_workflow: true,
      workflow_version_id: '0123456789abcdef01234567',
      workflow: { workflowId: '0123456789abcdef01234567', workflowName: 'Earlier', assignedAt: new Date(), assignedBy: 'someone' },
      updated_at: new Date(),
    });
  }

  async function expectNothingStarted(batchId: string) {
    await expect(stack.client.workflow.getHandle(batchWorkflowId(batchId, 0)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const { rows } = await stack.pool.query(
      `SELECT count(*)::int AS n FROM t_batch_action_device WHERE batch_action_id = $1 AND status NOT IN ('PENDING', 'FAILED')`,
      [batchId],
    );
    expect(rows[0].n).toBe(0);
  }

  it('a mixed assign file: the prediction names every code, nothing runs until start, and the run ends as predicted', async () => {
    const workspace = stack.uniqueId('ws');
    await upsertTenant(stack.pool, workspace, 'Workspace', tenant.tenantId);
    const other = await createTenantWithKey(stack);
    const [ok1, ok2, ok3] = await seedDevices(stack, tenant.tenantId, 3);
    const [idle] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE);
    const [released] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.RELEASED);
    const [prepaid] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.READY_FOR_USE, { serviceTypeId: 2 });
    const [busy] = await seedDevices(stack, tenant.tenantId, 1);
    const [inWorkspace] = await seedDevices(stack, workspace, 1);
    const [foreign] = await seedDevices(stack, other.tenantId, 1);
    const unknown = freshImei();
    await giveEarlierWorkflow(busy!);
    const rows = [ok1!, '12345', ok2!, ok1!, unknown, foreign!, idle!, released!, prepaid!, busy!, inWorkspace!, ok3!];

    const query = { mode: 'assign' as const, workflowId: tenant.workflowId, preview: true };
    const preview = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(rows), query, { 'Idempotency-Key': 'preview-mixed' }), 201);
    const expected = {
      OK: 3,
      INVALID_DEVICE_UID: 1,
      DUPLICATE_IN_FILE: 1,
      DEVICE_NOT_FOUND: 2,
      WRONG_STATE_DEVICE: 2,
      INVALID_SERVICE_TYPE: 1,
      DEVICE_ALREADY_HAS_WORKFLOW: 1,
      DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW: 1,
    };
    expect(preview).toMatchObject({ status: 'PREVIEW', rows: { total: 12, accepted: 10, rejected: 2 }, predicted: expected });
    expect(preview.samples.OK!.map((s) => [s.rowNumber, s.deviceUid])).toEqual([
      [1, ok1],
      [3, ok2],
      [12, ok3],
    ]);
    expect(preview.samples.WRONG_STATE_DEVICE).toEqual([
      { rowNumber: 7, deviceUid: idle, message: 'device is IDLE; direct assignment needs READY_FOR_USE, ACTIVE or LOCKED' },
      { rowNumber: 8, deviceUid: released, message: 'device is RELEASED; direct assignment needs READY_FOR_USE, ACTIVE or LOCKED' },
    ]);
    expect(preview.samples.DEVICE_ALREADY_HAS_WORKFLOW).toEqual([
      { rowNumber: 10, deviceUid: busy, message: 'device already has workflow Earlier' },
    ]);
    const batchId = preview.batchId;
    await expectNothingStarted(batchId);
    expect(await stack.mongo.devices.countDocuments({ tenant_id: tenant.tenantId, device_uid: { $in: [ok1!, ok2!, ok3!] } })).toBe(0);

    // GET, the list and a repeat of the upload show the preview; nothing started meanwhile.
    const stored = expectStatus(await api.get('/batches/{id}', { path: { id: batchId } }), 200);
    expect(stored).toMatchObject({ status: 'PREVIEW', preview: { predicted: expected } });
    const listed = expectStatus(await api.get('/batches', { query: { status: 'PREVIEW' } }), 200);
    expect(listed.batches.map((b) => b.batchId)).toContain(batchId);
    const repeat = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(rows), query, { 'Idempotency-Key': 'preview-mixed' }), 200);
    expect(repeat).toMatchObject({ batchId, status: 'PREVIEW', predicted: expected });
    await expectNothingStarted(batchId);

    const started = expectStatus(await api.post('/batches/{id}/start', { path: { id: batchId } }), 202);
    expect(started).toMatchObject({ batchId, status: 'RUNNING' });
    const again = expectStatus(await api.post('/batches/{id}/start', { path: { id: batchId } }), 202);
    expect(again.batchId).toBe(batchId);
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.countersByCode).toEqual(expected);
    expect(done.progress).toEqual({ total: 12, done: 12, pending: 0 });
    const afterStart = expectStatus(await api.post('/batches/{id}/start', { path: { id: batchId } }), 202);
    expect(afterStart).toMatchObject({ batchId, status: 'COMPLETED' });
  });

  it('an exit file and an inventory upload (register with createMissing) end as predicted', async () => {
    const [withWorkflow] = await seedDevices(stack, tenant.tenantId, 1);
    const [without] = await seedDevices(stack, tenant.tenantId, 1);
    const [idleExit] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE);
    await giveEarlierWorkflow(withWorkflow!);
    const exit = expectStatus(
      await uploadCsv(base, tenant.apiKey, csvOf([withWorkflow!, without!, idleExit!, freshImei()]), { mode: 'exit', preview: true }),
      201,
    );
    expect(exit.predicted).toEqual({ OK: 1, DEVICE_HAS_NO_WORKFLOW: 1, WRONG_STATE_DEVICE: 1, DEVICE_NOT_FOUND: 1 });

    const [idle] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE);
    const [enrolled] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.ENROLLED);
    const [ready] = await seedDevices(stack, tenant.tenantId, 1);
    const register = expectStatus(
      await uploadCsv(base, tenant.apiKey, csvOf([idle!, enrolled!, ready!, freshImei()]), {
        mode: 'register',
        createMissing: true,
        serviceTypeId: 1,
        preview: true,
      }),
      201,
    );
    expect(register.predicted).toEqual({ OK: 3, REGISTER_FAILED: 1 });
    expect(register.samples.REGISTER_FAILED![0]).toMatchObject({ deviceUid: enrolled, message: expect.stringContaining('REGISTER') });

    for (const previewed of [exit, register]) {
      expectStatus(await api.post('/batches/{id}/start', { path: { id: previewed.batchId } }), 202);
      const done = await waitForBatchEnd(base, tenant.apiKey, previewed.batchId);
      expect(done.countersByCode).toEqual(previewed.predicted);
    }
  });

  it('DELETE discards a preview and its rows; a started batch is neither discarded nor started again (409)', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 2);
    const preview = expectStatus(
      await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId, preview: true }),
      201,
    );
    expect(expectStatus(await api.delete('/batches/{id}', { path: { id: preview.batchId } }), 204)).toBeFalsy();
    expectStatus(await api.get('/batches/{id}', { path: { id: preview.batchId } }), 404);
    expectStatus(await api.post('/batches/{id}/start', { path: { id: preview.batchId } }), 404);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action_device WHERE batch_action_id = $1', [
      preview.batchId,
    ]);
    expect(rows[0].n).toBe(0);
    expectStatus(await api.delete('/batches/{id}', { path: { id: preview.batchId } }), 404);

    const running = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId }), 202);
    const refused = expectStatus(await api.delete('/batches/{id}', { path: { id: running.batchId } }), 409);
    expect(refused.detail).toContain('only a preview can be discarded');
    const notPreview = expectStatus(await api.post('/batches/{id}/start', { path: { id: running.batchId } }), 409);
    expect(notPreview.detail).toContain('was not uploaded as a preview');
    await waitForBatchEnd(base, tenant.apiKey, running.batchId);

    const readOnly = await createTenantWithKey(stack, 'read_only');
    const other = expectStatus(await apiClient(base, readOnly.apiKey).post('/batches/{id}/start', { path: { id: running.batchId } }), 403);
    expect(other.code).toBe('FORBIDDEN');
  });

  it('a preview older than the expiry age is discarded by the sweep; a younger one stays', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 1);
    const upload = () => uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId, preview: true });
    const old = expectStatus(await upload(), 201);
    const young = expectStatus(await upload(), 201);
    await stack.pool.query(`UPDATE t_batch_action SET created_at = now() - interval '25 hours' WHERE id = $1`, [old.batchId]);

    expect(await discardExpiredPreviews(stack.pool, stack.config.batch.previewTtlMs)).toBeGreaterThanOrEqual(1);
    expectStatus(await api.get('/batches/{id}', { path: { id: old.batchId } }), 404);
    expect(expectStatus(await api.get('/batches/{id}', { path: { id: young.batchId } }), 200).status).toBe('PREVIEW');
  });
});
