// BatchAssign end to end on the real stack: upload through the API, the parent and its children on
// a worker, results in PostgreSQL and MongoDB, and the read side.
import { DeviceState } from '../../src/domain/deviceStates';
import { TestStack, createTenantWithKey, recordHistory, startServingStack } from './harness';
import {
  BatchTenant,
  batchRows,
  batchTenant,
  csvOf,
  freshImei,
  getJson,
  milestoneCounts,
  registerDevice,
  seedDevices,
  uploadCsv,
  waitForBatchEnd,
} from './batchSupport';

jest.setTimeout(120_000);
describe('BatchAssign', () => {
  let stack: TestStack;
  let stop: () => Promise<void>;
  let base: string;
  let tenant: BatchTenant;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack());
    tenant = await batchTenant(stack);
  });
  afterAll(async () => stop());

  it('assign mode: every eligible device gets the workflow, one milestone and one step each', async () => {
    const r4u = await seedDevices(stack, tenant.tenantId, 20, DeviceState.READY_FOR_USE);
    const active = await seedDevices(stack, tenant.tenantId, 3, DeviceState.ACTIVE);
    const locked = await seedDevices(stack, tenant.tenantId, 2, DeviceState.LOCKED, { previousStateId: DeviceState.ACTIVE });
    const uids = [...r4u, ...active, ...locked];

    const upload = await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId });
    expect(upload.status).toBe(202);
    expect(upload.body).toMatchObject({ status: 'RUNNING', rows: { total: 25, accepted: 25, rejected: 0 } });
    expect(upload.body.links.temporalUi).toContain(encodeURIComponent(`batch/${upload.body.batchId}`));
    const batchId = upload.body.batchId;

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
    const device = await getJson(base, tenant.apiKey, `/v1/devices/${r4u[0]}`);
    expect(device.body).toMatchObject({
      state: 'READY_FOR_USE',
      assignment: { workflowId: tenant.workflowId },
      allowedActions: expect.arrayContaining(['ACTIVATE', 'LOCK']),
    });
    const history = await getJson(base, tenant.apiKey, `/v1/devices/${r4u[0]}/history`);
    expect(history.body.timeline).toEqual([
      expect.objectContaining({ milestone: 'ASSIGN_WORKFLOW_REQUESTED', source: 'BATCH', batchId, elapsedSinceFirstMs: 0 }),
    ]);

    // Cursor pagination walks every row exactly once.
    const seen: string[] = [];
    let path = `/v1/batches/${batchId}/devices?limit=10`;
    for (;;) {
      const page = await getJson(base, tenant.apiKey, path);
      seen.push(...page.body.devices.map((d: { deviceUid: string }) => d.deviceUid));
      if (!page.body.nextCursor) break;
      path = `/v1/batches/${batchId}/devices?limit=10&cursor=${page.body.nextCursor}`;
    }
    expect(seen).toEqual(uids);

    const csv = await fetch(`${base}/v1/batches/${batchId}/results.csv`, { headers: { 'X-API-Key': tenant.apiKey } });
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('rowNumber,deviceUid,status,code,message,finishedAt');
    expect(lines).toHaveLength(26);
    expect(lines[1]).toMatch(new RegExp(`^1,${uids[0]},SUCCEEDED,OK,`));

    await recordHistory(stack, `device-assign/${batchId}/${r4u[0]}`, 'deviceAssignV2.assign');
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

    const upload = await uploadCsv(base, tenant.apiKey, csvOf(rows, 'imei'), { mode: 'assign', workflowId: tenant.workflowId });
    expect(upload.status).toBe(202);
    expect(upload.body.rows).toEqual({ total: 11, accepted: 8, rejected: 3 });
    const done = await waitForBatchEnd(base, tenant.apiKey, upload.body.batchId);
    expect(done.status).toBe('COMPLETED');
    expect(done.isSuccess).toBe(false);

    const { body } = await getJson(base, tenant.apiKey, `/v1/batches/${upload.body.batchId}/devices?limit=100`);
    expect(body.devices.map((d: any) => [d.deviceUid, d.code])).toEqual([
      [ok1, 'OK'],
      ['12345', 'INVALID_DEVICE_UID'],
      [ok2, 'OK'],
      [ok1, 'DUPLICATE_IN_FILE'],
      [unknown, 'DEVICE_NOT_FOUND'],
      [foreign, 'DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW'],
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
      DEVICE_NOT_FOUND: 1,
      DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW: 1,
      WRONG_STATE_DEVICE: 2,
      INVALID_SERVICE_TYPE: 1,
      DEVICE_ALREADY_HAS_WORKFLOW: 1,
    });
    // The other tenant's device was not touched, and the CSV download neutralises formulas.
    expect(await stack.mongo.devices.countDocuments({ device_uid: foreign })).toBe(0);
    const csv = await (
      await fetch(`${base}/v1/batches/${upload.body.batchId}/results.csv`, { headers: { 'X-API-Key': tenant.apiKey } })
    ).text();
    expect(csv).toContain(`11,'=cmd|calc,FAILED,INVALID_DEVICE_UID`);
  });

  it('register mode: IDLE devices are registered, then assigned; createMissing creates unknown UIDs; a registered device fails REGISTER', async () => {
    const idle = await seedDevices(stack, tenant.tenantId, 5, DeviceState.IDLE);
    const [alreadyRegistered] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.READY_FOR_USE);
    const missing = freshImei();
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...idle, alreadyRegistered!, missing]), {
      mode: 'register',
      workflowId: tenant.workflowId,
      createMissing: 'true',
    });
    expect(upload.status).toBe(202);
    const batchId = upload.body.batchId;
    const done = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(done.countersByCode).toEqual({ OK: 6, REGISTER_FAILED: 1 });

    const states = await stack.pool.query(`SELECT uid, state_id FROM t_device WHERE tenant_id = $1 AND uid = ANY($2)`, [
      tenant.tenantId,
      [...idle, missing],
    ]);
    expect(states.rows).toHaveLength(6);
    expect(states.rows.every((r) => r.state_id === DeviceState.READY_FOR_USE)).toBe(true);
    const milestones = await milestoneCounts(stack, batchId);
    expect(milestones.filter((m) => m.milestone === 'REGISTER')).toHaveLength(6);
    expect(milestones.filter((m) => m.milestone === 'ASSIGN_WORKFLOW_REQUESTED')).toHaveLength(6);
    expect(milestones.every((m) => m.n === 1)).toBe(true);
    expect(milestones.some((m) => m.uid === alreadyRegistered)).toBe(false);
    expect(await stack.mongo.devices.countDocuments({ tenant_id: tenant.tenantId, device_uid: alreadyRegistered })).toBe(0);

    const history = await getJson(base, tenant.apiKey, `/v1/devices/${idle[0]}/history`);
    expect(history.body.timeline.map((t: any) => t.milestone)).toEqual(['REGISTER', 'ASSIGN_WORKFLOW_REQUESTED']);
    await recordHistory(stack, `device-assign/${batchId}/${idle[0]}`, 'deviceAssignV2.register');
  });

  it('exit mode: clears assignments; a device without a workflow fails DEVICE_HAS_NO_WORKFLOW', async () => {
    const assigned = await seedDevices(stack, tenant.tenantId, 3);
    const [bare] = await seedDevices(stack, tenant.tenantId, 1);
    const first = await uploadCsv(base, tenant.apiKey, csvOf(assigned), { mode: 'assign', workflowId: tenant.workflowId });
    await waitForBatchEnd(base, tenant.apiKey, first.body.batchId);

    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...assigned, bare!]), { mode: 'exit' });
    expect(upload.status).toBe(202);
    const batchId = upload.body.batchId;
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
    await recordHistory(stack, `device-assign/${batchId}/${assigned[0]}`, 'deviceAssignV2.exit');
  });

  // Both workflow types: deviceAssign (regular activity) still runs for children started before V2.
  it.each(['deviceAssign', 'deviceAssignV2'])(
    '%s: a workflow removed from the catalogue fails the device with WORKFLOW_NOT_FOUND',
    async (type) => {
      const uids = await seedDevices(stack, tenant.tenantId, 3);
      const gone = await stack.client.workflow.execute(type, {
        taskQueue: stack.taskQueue,
        workflowId: stack.uniqueId('device-workflow'),
        args: [
          {
            tenantId: tenant.tenantId,
            deviceUid: uids[0],
            mode: 'assign',
            workflowVersionId: 'ffffffffffffffffffffffff',
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
    },
  );

  it('retry re-runs only the failed rows of a finished batch', async () => {
    const ready = await seedDevices(stack, tenant.tenantId, 3);
    const idle = await seedDevices(stack, tenant.tenantId, 2, DeviceState.IDLE);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...ready, ...idle, 'bad']), {
      mode: 'assign',
      workflowId: tenant.workflowId,
    });
    const batchId = upload.body.batchId;
    const first = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(first.countersByCode).toEqual({ OK: 3, WRONG_STATE_DEVICE: 2, INVALID_DEVICE_UID: 1 });

    for (const uid of idle) await registerDevice(stack, tenant.tenantId, uid);
    const retry = await fetch(`${base}/v1/batches/${batchId}/retry`, { method: 'POST', headers: { 'X-API-Key': tenant.apiKey } });
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ retry: 1, devices: 2, workflowId: `batch/${batchId}/retry-1` });
    const second = await waitForBatchEnd(base, tenant.apiKey, batchId);
    expect(second).toMatchObject({ status: 'COMPLETED', retries: 1, countersByCode: { OK: 5, INVALID_DEVICE_UID: 1 } });
    const rows = await batchRows(stack, batchId);
    expect([...rows.values()].every((r) => r.rows === 1)).toBe(true);
    expect((await milestoneCounts(stack, batchId)).every((m) => m.n === 1)).toBe(true);

    const again = await fetch(`${base}/v1/batches/${batchId}/retry`, { method: 'POST', headers: { 'X-API-Key': tenant.apiKey } });
    expect(again.status).toBe(409);
  });

  it('the same Idempotency-Key returns the same batch', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 2);
    const headers = { 'Idempotency-Key': stack.uniqueId('upload') };
    const params = { mode: 'assign', workflowId: tenant.workflowId };
    const first = await uploadCsv(base, tenant.apiKey, csvOf(uids), params, headers);
    const second = await uploadCsv(base, tenant.apiKey, csvOf(uids), params, headers);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.batchId).toBe(first.body.batchId);
    expect(second.body.rows).toEqual(first.body.rows);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action WHERE idempotency_key = $1', [
      headers['Idempotency-Key'],
    ]);
    expect(rows[0].n).toBe(1);
    await waitForBatchEnd(base, tenant.apiKey, first.body.batchId);
  });

  it("another tenant's batch and device are 404", async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 1);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId });
    await waitForBatchEnd(base, tenant.apiKey, upload.body.batchId);
    const other = await createTenantWithKey(stack);
    for (const path of [
      `/v1/batches/${upload.body.batchId}`,
      `/v1/batches/${upload.body.batchId}/devices`,
      `/v1/devices/${uids[0]}`,
      `/v1/devices/${uids[0]}/history`,
    ]) {
      const res = await getJson(base, other.apiKey, path);
      expect([path, res.status, res.body.code]).toEqual([path, 404, expect.stringMatching(/NOT_FOUND/)]);
    }
    const assign = await fetch(`${base}/v1/devices/${uids[0]}/workflow`, {
      method: 'POST',
      headers: { 'X-API-Key': other.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ workflowId: tenant.workflowId }),
    });
    expect(assign.status).toBe(404);
  });

  it('single-device assign and exit use the same workflow and report the result', async () => {
    const [uid] = await seedDevices(stack, tenant.tenantId, 1);
    const post = (body: object, key: string) =>
      fetch(`${base}/v1/devices/${uid}/workflow`, {
        method: 'POST',
        headers: { 'X-API-Key': tenant.apiKey, 'Content-Type': 'application/json', 'Idempotency-Key': key },
        body: JSON.stringify(body),
      });
    const assigned = await post({ workflowId: tenant.workflowId }, 'k1');
    expect(assigned.status).toBe(200);
    expect(await assigned.json()).toMatchObject({ code: 'OK' });
    const repeated = await post({ workflowId: tenant.workflowId }, 'k1');
    expect(repeated.status).toBe(200);
    const twice = await post({ workflowId: tenant.workflowId }, 'k2');
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ code: 'DEVICE_ALREADY_HAS_WORKFLOW' });
    const exit = await fetch(`${base}/v1/devices/${uid}/workflow`, { method: 'DELETE', headers: { 'X-API-Key': tenant.apiKey } });
    expect(exit.status).toBe(200);
    const history = await getJson(base, tenant.apiKey, `/v1/devices/${uid}/history`);
    expect(history.body.timeline.map((t: any) => [t.milestone, t.source])).toEqual([
      ['ASSIGN_WORKFLOW_REQUESTED', 'API'],
      ['EXIT_WORKFLOW_REQUESTED', 'API'],
    ]);
    const exitAgain = await fetch(`${base}/v1/devices/${uid}/workflow`, { method: 'DELETE', headers: { 'X-API-Key': tenant.apiKey } });
    expect(exitAgain.status).toBe(409);
    expect(await exitAgain.json()).toMatchObject({ code: 'DEVICE_HAS_NO_WORKFLOW' });
  });

  it('the workflow catalogue lists and creates workflows of the tenant tree', async () => {
    const created = await fetch(`${base}/v1/workflows`, {
      method: 'POST',
      headers: { 'X-API-Key': tenant.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Prepaid onboarding', serviceTypeId: 2 }),
    });
    expect(created.status).toBe(201);
    const workflow: any = await created.json();
    expect(workflow).toMatchObject({ name: 'Prepaid onboarding', serviceTypeId: 2, tenantId: tenant.tenantId, status: 'ACTIVE' });
    const list = await getJson(base, tenant.apiKey, '/v1/workflows');
    expect(list.body.workflows.map((w: any) => w.id)).toEqual(expect.arrayContaining([tenant.workflowId, workflow.id]));
    const bad = await fetch(`${base}/v1/workflows`, {
      method: 'POST',
      headers: { 'X-API-Key': tenant.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x', serviceTypeId: 9 }),
    });
    expect(bad.status).toBe(422);
  });
});
