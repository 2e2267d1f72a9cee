// BatchAssign end to end on the real stack: upload through the API, the parent and its children on
// a worker, results in PostgreSQL and MongoDB, and the read side.
import { DeviceState } from '../../src/devices/states';
import { deviceAssign } from '../../src/devices/deviceAssignWorkflow';
import { upsertTenant } from '../../dev/inventorySeed';
import { TestStack, createTenantWithKey, recordHistory } from './harness';
import {
  BatchTenant,
  batchRows,
  batchTenant,
  csvOf,
  freshImei,
  milestoneCounts,
  registerDevice,
  seedDevices,
  uploadCsv,
  waitForBatchEnd,
  startBatchStack,
} from './batchSupport';
import { ApiClient, apiClient, expectStatus } from './apiClient';

jest.setTimeout(120_000);
describe('BatchAssign', () => {
  let stack: TestStack;
  let stop: () => Promise<void>;
  let base: string;
  let tenant: BatchTenant;
  let api: ApiClient;

  beforeAll(async () => {
    ({ stack, base, stop, tenant, api } = await startBatchStack());
  });
  afterAll(async () => stop());

  it('assign mode: every eligible device gets the workflow, one milestone and one step each', async () => {
    const r4u = await seedDevices(stack, tenant.tenantId, 20, DeviceState.READY_FOR_USE);
    const active = await seedDevices(stack, tenant.tenantId, 3, DeviceState.ACTIVE);
    const locked = await seedDevices(stack, tenant.tenantId, 2, DeviceState.LOCKED, { previousStateId: DeviceState.ACTIVE });
    const uids = [...r4u, ...active, ...locked];

    const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId }), 202);
    expect(upload).toMatchObject({ status: 'RUNNING', rows: { total: 25, accepted: 25, rejected: 0 } });
    expect(upload.links.temporalUi).toContain(encodeURIComponent(`batch/${upload.batchId}`));
    const batchId = upload.batchId;

    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      isSuccess: true,
      countersByCode: { OK: 25 },
      progress: { total: 25, done: 25, pending: 0 },
    });
    expect(done.timings.devicesPerSecond).toBeGreaterThan(0);

    const docs = await stack.mongo.devices.find({ tenant_id: tenant.tenantId, device_uid: { $in: uids } }).toArray();
    expect(docs).toHaveLength(25);
    expect(docs.every((d) => d.workflow_version_id === tenant.workflowId && d.is_activating_workflow)).toBe(true);
    expect(await stack.mongo.deviceWorkflowSteps.countDocuments({ tenant_id: tenant.tenantId, assignment_key: `batch/${batchId}` })).toBe(
      25,
    );
    const milestones = await milestoneCounts(stack, batchId);
    expect(milestones).toHaveLength(25);
    expect(milestones.every((m) => m.milestone === 'ASSIGN_WORKFLOW_REQUESTED' && m.n === 1)).toBe(true);

    // The device read side shows the assignment and the timeline.
    const device = expectStatus(await api.get('/devices/{uid}', { path: { uid: r4u[0]! } }), 200);
    expect(device).toMatchObject({
      state: 'READY_FOR_USE',
      assignment: { workflowId: tenant.workflowId },
      allowedActions: expect.arrayContaining(['ACTIVATE', 'LOCK']),
    });
    const history = expectStatus(await api.get('/devices/{uid}/history', { path: { uid: r4u[0]! } }), 200);
    expect(history.timeline).toEqual([
      expect.objectContaining({ milestone: 'ASSIGN_WORKFLOW_REQUESTED', source: 'BATCH', batchId, elapsedSinceFirstMs: 0 }),
    ]);

    // Cursor pagination walks every row exactly once.
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = expectStatus(await api.get('/batches/{id}/devices', { path: { id: batchId }, query: { limit: 10, cursor } }), 200);
      seen.push(...page.devices.map((d) => d.deviceUid));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(uids);

    const csv = expectStatus(await api.get('/batches/{id}/results.csv', { path: { id: batchId } }), 200);
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('rowNumber,deviceUid,status,code,message,finishedAt');
    expect(lines).toHaveLength(26);
    expect(lines[1]).toMatch(new RegExp(`^1,${uids[0]},SUCCEEDED,OK,`));

    await recordHistory(stack, `device-assign/${batchId}/${r4u[0]}`, 'deviceAssign.assign');
  });

  it('a mixed file: every applicable error code lands on its row, the rest succeed', async () => {
    const other = await createTenantWithKey(stack);
    const [ok1, ok2] = await seedDevices(stack, tenant.tenantId, 2);
    const [idle] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE);
    const [released] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.RELEASED);
    const [prepaid] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.READY_FOR_USE, { serviceTypeId: 2 });
    const [busy] = await seedDevices(stack, tenant.tenantId, 1);
    const [foreign] = await seedDevices(stack, other.tenantId, 1);
    const unknown = freshImei();
    await stack.mongo.devices.insertOne({
      tenant_id: tenant.tenantId,
      device_uid: busy!,
      is_activating_workflow: true,
      workflow_version_id: '0123456789abcdef01234567',
      workflow: { workflowId: '0123456789abcdef01234567', workflowName: 'Earlier', assignedAt: new Date(), assignedBy: 'someone' },
      updated_at: new Date(),
    });
    const rows = [ok1!, '12345', ok2!, ok1!, unknown, foreign!, idle!, released!, prepaid!, busy!, '=cmd|calc'];

    const upload = expectStatus(
      await uploadCsv(base, tenant.apiKey, csvOf(rows, 'imei'), { mode: 'assign', workflowId: tenant.workflowId }),
      202,
    );
    expect(upload.rows).toEqual({ total: 11, accepted: 8, rejected: 3 });
    const done = await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
    expect(done.status).toBe('COMPLETED');
    expect(done.isSuccess).toBe(false);

    const byUid = expectStatus(await api.get('/batches/{id}/devices', { path: { id: upload.batchId }, query: { uidPrefix: ok1! } }), 200);
    expect(byUid.devices.map((d) => [d.rowNumber, d.code])).toEqual([
      [1, 'OK'],
      [4, 'DUPLICATE_IN_FILE'],
    ]);
    const page = expectStatus(await api.get('/batches/{id}/devices', { path: { id: upload.batchId }, query: { limit: 100 } }), 200);
    expect(page.devices.map((d) => [d.deviceUid, d.code])).toEqual([
      [ok1, 'OK'],
      ['12345', 'INVALID_DEVICE_UID'],
      [ok2, 'OK'],
      [ok1, 'DUPLICATE_IN_FILE'],
      [unknown, 'DEVICE_NOT_FOUND'],
      [foreign, 'DEVICE_NOT_FOUND'],
      [idle, 'WRONG_STATE_DEVICE'],
      [released, 'WRONG_STATE_DEVICE'],
      [prepaid, 'INVALID_SERVICE_TYPE'],
      [busy, 'DEVICE_ALREADY_HAS_WORKFLOW'],
      ['=cmd|calc', 'INVALID_DEVICE_UID'],
    ]);
    expect(done.countersByCode).toEqual({
      OK: 2,
      INVALID_DEVICE_UID: 2,
      DUPLICATE_IN_FILE: 1,
      DEVICE_NOT_FOUND: 2,
      WRONG_STATE_DEVICE: 2,
      INVALID_SERVICE_TYPE: 1,
      DEVICE_ALREADY_HAS_WORKFLOW: 1,
    });
    // The other tenant's device was not touched, and the CSV download neutralises formulas.
    expect(await stack.mongo.devices.countDocuments({ device_uid: foreign })).toBe(0);
    const csv = expectStatus(await api.get('/batches/{id}/results.csv', { path: { id: upload.batchId } }), 200);
    expect(csv).toContain(`11,'=cmd|calc,FAILED,INVALID_DEVICE_UID`);
  });

  it('register mode: IDLE devices are registered, then assigned; createMissing creates unknown UIDs; a READY_FOR_USE device gets the pending workflow (seed 000, option 2)', async () => {
    const idle = await seedDevices(stack, tenant.tenantId, 5, DeviceState.IDLE);
    const [alreadyRegistered] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.READY_FOR_USE);
    const missing = freshImei();
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...idle, alreadyRegistered!, missing]), {
      mode: 'register',
      workflowId: tenant.workflowId,
      createMissing: true,
    });
    const batchId = expectStatus(upload, 202).batchId;
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.countersByCode).toEqual({ OK: 7 });

    const states = await stack.pool.query(`SELECT uid, state_id FROM t_device WHERE tenant_id = $1 AND uid = ANY($2)`, [
      tenant.tenantId,
      [...idle, missing],
    ]);
    expect(states.rows).toHaveLength(6);
    expect(states.rows.every((r) => r.state_id === DeviceState.READY_FOR_USE)).toBe(true);
    const milestones = await milestoneCounts(stack, batchId);
    expect(milestones.filter((m) => m.milestone === 'REGISTER')).toHaveLength(6);
    expect(milestones.filter((m) => m.milestone === 'ASSIGN_WORKFLOW_REQUESTED')).toHaveLength(7);
    expect(milestones.every((m) => m.n === 1)).toBe(true);
    expect(milestones.filter((m) => m.uid === alreadyRegistered).map((m) => m.milestone)).toEqual(['ASSIGN_WORKFLOW_REQUESTED']);
    const pending = await stack.mongo.devices.findOne({ tenant_id: tenant.tenantId, device_uid: alreadyRegistered });
    expect(pending?.workflow_version_id).toBe(tenant.workflowId);

    const history = expectStatus(await api.get('/devices/{uid}/history', { path: { uid: idle[0]! } }), 200);
    expect(history.timeline.map((t) => t.milestone)).toEqual(['REGISTER', 'ASSIGN_WORKFLOW_REQUESTED']);
    await recordHistory(stack, `device-assign/${batchId}/${idle[0]}`, 'deviceAssign.register');
  });

  it('exit mode: clears assignments; a device without a workflow fails DEVICE_HAS_NO_WORKFLOW', async () => {
    const assigned = await seedDevices(stack, tenant.tenantId, 3);
    const [bare] = await seedDevices(stack, tenant.tenantId, 1);
    const first = await uploadCsv(base, tenant.apiKey, csvOf(assigned), { mode: 'assign', workflowId: tenant.workflowId });
    await waitForBatchEnd(base, tenant.apiKey, expectStatus(first, 202).batchId);

    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...assigned, bare!]), { mode: 'exit' });
    const batchId = expectStatus(upload, 202).batchId;
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.countersByCode).toEqual({ OK: 3, DEVICE_HAS_NO_WORKFLOW: 1 });
    const docs = await stack.mongo.devices.find({ tenant_id: tenant.tenantId, device_uid: { $in: assigned } }).toArray();
    expect(docs.every((d) => d.workflow_version_id === null && d.workflow === null)).toBe(true);
    expect(
      await stack.mongo.deviceWorkflowSteps.countDocuments({
        tenant_id: tenant.tenantId,
        device_uid: { $in: assigned },
        status: 'CANCELLED',
      }),
    ).toBe(3);
    expect((await milestoneCounts(stack, batchId)).map((m) => m.milestone)).toEqual([
      'EXIT_WORKFLOW_REQUESTED',
      'EXIT_WORKFLOW_REQUESTED',
      'EXIT_WORKFLOW_REQUESTED',
    ]);
    await recordHistory(stack, `device-assign/${batchId}/${assigned[0]}`, 'deviceAssign.exit');
  });

  it('a workflow removed from the catalogue fails the device with WORKFLOW_NOT_FOUND', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 3);
    const gone = await stack.client.workflow.execute(deviceAssign, {
      taskQueue: stack.taskQueue,
      workflowId: stack.uniqueId('device-workflow'),
      args: [
        {
          targetWorkspaceId: tenant.tenantId,
          deviceUid: uids[0],
          mode: 'assign',
          callerTenantId: tenant.tenantId,
          catalogueWorkflowId: 'ffffffffffffffffffffffff',
          catalogueTenantIds: [tenant.tenantId],
          serviceTypeId: null,
          createMissing: false,
          requestedBy: 'test',
          source: 'API',
          batch: null,
          requestKey: stack.uniqueId('req'),
        },
      ],
    });
    expect(gone).toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });

  it("another tree's device is DEVICE_NOT_FOUND in every mode; another workspace of the caller's tree is DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW", async () => {
    // A tenant of its own: its tree (with the workspaces) is what the API reads for its key.
    const owner = await batchTenant(stack);
    const ownerApi = apiClient(base, owner.apiKey);
    const [workspace, sibling] = [stack.uniqueId('ws'), stack.uniqueId('ws')];
    await upsertTenant(stack.pool, workspace, 'Workspace', owner.tenantId);
    await upsertTenant(stack.pool, sibling, 'Sibling workspace', owner.tenantId);
    const other = await createTenantWithKey(stack);
    const [foreign] = await seedDevices(stack, other.tenantId, 1, DeviceState.IDLE);
    const [inSibling] = await seedDevices(stack, sibling, 1, DeviceState.IDLE);
    for (const mode of ['assign', 'register', 'exit'] as const) {
      const query = { mode, targetWorkspaceId: workspace, ...(mode === 'exit' ? {} : { workflowId: owner.workflowId }) };
      const upload = expectStatus(await uploadCsv(base, owner.apiKey, csvOf([foreign!, inSibling!]), query), 202);
      await waitForBatchEnd(base, owner.apiKey, upload.batchId);
      const page = expectStatus(await ownerApi.get('/batches/{id}/devices', { path: { id: upload.batchId } }), 200);
      expect([mode, page.devices.map((d) => [d.deviceUid, d.code, d.message])]).toEqual([
        mode,
        [
          [foreign, 'DEVICE_NOT_FOUND', `no device ${foreign} in ${workspace}`],
          [inSibling, 'DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW', expect.stringContaining(`not ${workspace}`)],
        ],
      ]);
    }
  });

  it('maxFailures: a run of unknown devices stops the batch (FAILED, the rest CANCELLED, the reason in API and CSV); retry still works', async () => {
    stack.config.batch.windowSize = 1;
    try {
      const uids = [
        ...(await seedDevices(stack, tenant.tenantId, 2)),
        ...Array.from({ length: 8 }, freshImei),
        ...(await seedDevices(stack, tenant.tenantId, 20)),
      ];
      const query = { mode: 'assign' as const, workflowId: tenant.workflowId, maxFailures: 3 };
      const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), query), 202);
      const done = await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
      expect(done).toMatchObject({
        status: 'FAILED',
        isSuccess: false,
        failureThreshold: { maxFailures: 3, maxFailurePercent: null },
        stopReason: { threshold: 'maxFailures', limit: 3, failed: 4, processed: 6 },
        countersByCode: { OK: 2, DEVICE_NOT_FOUND: 4, CANCELLED: 24 },
      });
      const csv = expectStatus(await api.get('/batches/{id}/results.csv', { path: { id: upload.batchId } }), 200);
      expect(csv).toContain('CANCELLED,CANCELLED,"the batch stopped: 4 of 6 processed devices failed, more than maxFailures=3"');
      expectStatus(await api.post('/batches/{id}/retry', { path: { id: upload.batchId } }), 202);
      const again = await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
      expect(again).toMatchObject({ retries: 1, countersByCode: { OK: 2, DEVICE_NOT_FOUND: 4 } });
    } finally {
      stack.config.batch.windowSize = 200;
    }
  });

  it('maxFailurePercent: a batch under its threshold completes', async () => {
    const uids = [...(await seedDevices(stack, tenant.tenantId, 5)), freshImei()];
    const query = { mode: 'assign' as const, workflowId: tenant.workflowId, maxFailures: 1, maxFailurePercent: 5 };
    const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), query), 202);
    const done = await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
    expect(done).toMatchObject({ status: 'COMPLETED', stopReason: null, countersByCode: { OK: 5, DEVICE_NOT_FOUND: 1 } });
    const bad = await uploadCsv(base, tenant.apiKey, csvOf(uids), { ...query, maxFailurePercent: 150 });
    expect(expectStatus(bad, 400)).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'maxFailurePercent must be a number from 0 to 100' });
  });

  it('retry re-runs only the failed rows of a finished batch', async () => {
    const ready = await seedDevices(stack, tenant.tenantId, 3);
    const idle = await seedDevices(stack, tenant.tenantId, 2, DeviceState.IDLE);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...ready, ...idle, 'bad']), {
      mode: 'assign',
      workflowId: tenant.workflowId,
    });
    const batchId = expectStatus(upload, 202).batchId;
    const first = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(first.countersByCode).toEqual({ OK: 3, WRONG_STATE_DEVICE: 2, INVALID_DEVICE_UID: 1 });

    for (const uid of idle) await registerDevice(stack, tenant.tenantId, uid);
    // A double press: the same Idempotency-Key gets the first answer and starts no second retry.
    const pressed = { path: { id: batchId }, headers: { 'Idempotency-Key': stack.uniqueId('retry') } };
    const retry = expectStatus(await api.post('/batches/{id}/retry', pressed), 202);
    expect(retry).toMatchObject({ retry: 1, devices: 2 });
    expect(retry.links.temporalUi).toContain(encodeURIComponent(`batch/${batchId}/retry-1`));
    expect(expectStatus(await api.post('/batches/{id}/retry', pressed), 202)).toEqual(retry);
    const second = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(second).toMatchObject({ status: 'COMPLETED', retries: 1, countersByCode: { OK: 5, INVALID_DEVICE_UID: 1 } });
    const rows = await batchRows(stack, batchId);
    expect([...rows.values()].every((r) => r.rows === 1)).toBe(true);
    expect((await milestoneCounts(stack, batchId)).every((m) => m.n === 1)).toBe(true);

    const again = await api.post('/batches/{id}/retry', { path: { id: batchId } });
    expect(expectStatus(again, 409).code).toBe('CONFLICT');
  });

  it('the same Idempotency-Key returns the same batch', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 2);
    const headers = { 'Idempotency-Key': stack.uniqueId('upload') };
    const params = { mode: 'assign', workflowId: tenant.workflowId } as const;
    const first = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), params, headers), 202);
    const second = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), params, headers), 200);
    expect(second.batchId).toBe(first.batchId);
    expect(second.rows).toEqual(first.rows);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action WHERE idempotency_key = $1', [
      headers['Idempotency-Key'],
    ]);
    expect(rows[0].n).toBe(1);
    await waitForBatchEnd(base, tenant.apiKey, first.batchId);
  });

  it("another tenant's batch and device are 404", async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 1);
    const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId }), 202);
    await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
    const other = apiClient(base, (await createTenantWithKey(stack)).apiKey);
    const batch = { path: { id: upload.batchId } };
    const device = { path: { uid: uids[0]! } };
    for (const [name, answer] of [
      ['getBatch', await other.get('/batches/{id}', batch)],
      ['listBatchDevices', await other.get('/batches/{id}/devices', batch)],
      ['getDevice', await other.get('/devices/{uid}', device)],
      ['getDeviceHistory', await other.get('/devices/{uid}/history', device)],
      ['assignDeviceWorkflow', await other.post('/devices/{uid}/workflow', { ...device, body: { workflowId: tenant.workflowId } })],
    ] as const) {
      expect([name, answer.status, answer.body]).toEqual([
        name,
        404,
        expect.objectContaining({ code: expect.stringMatching(/NOT_FOUND/) }),
      ]);
    }
  });

  it('single-device assign and exit use the same workflow and report the result', async () => {
    const [uid] = await seedDevices(stack, tenant.tenantId, 1);
    const device = { path: { uid: uid! } };
    const assign = (key: string) =>
      api.post('/devices/{uid}/workflow', { ...device, body: { workflowId: tenant.workflowId }, headers: { 'Idempotency-Key': key } });
    expect(expectStatus(await assign('k1'), 200)).toMatchObject({ code: 'OK' });
    expectStatus(await assign('k1'), 200);
    expect(expectStatus(await assign('k2'), 409)).toMatchObject({ code: 'DEVICE_ALREADY_HAS_WORKFLOW' });
    expectStatus(await api.delete('/devices/{uid}/workflow', device), 200);
    const history = expectStatus(await api.get('/devices/{uid}/history', device), 200);
    expect(history.timeline.map((t) => [t.milestone, t.source])).toEqual([
      ['ASSIGN_WORKFLOW_REQUESTED', 'API'],
      ['EXIT_WORKFLOW_REQUESTED', 'API'],
    ]);
    const exitAgain = await api.delete('/devices/{uid}/workflow', device);
    expect(expectStatus(exitAgain, 409)).toMatchObject({ code: 'DEVICE_HAS_NO_WORKFLOW' });
  });

  it('the workflow catalogue lists and creates workflows of the tenant tree', async () => {
    const workflow = expectStatus(await api.post('/workflows', { body: { name: 'Prepaid onboarding', serviceTypeId: 2 } }), 201);
    expect(workflow).toMatchObject({ name: 'Prepaid onboarding', serviceTypeId: 2, tenantId: tenant.tenantId, status: 'ACTIVE' });
    const list = expectStatus(await api.get('/workflows'), 200);
    expect(list.workflows.map((w) => w.id)).toEqual(expect.arrayContaining([tenant.workflowId, workflow.id]));
    // A service type the document does not allow, sent on purpose: the API must refuse it.
    const bad = await api.post('/workflows', { body: { name: 'x', serviceTypeId: 9 as 1 } });
    expect(expectStatus(bad, 422).code).toBe('INVALID_SERVICE_TYPE');
  });
});
