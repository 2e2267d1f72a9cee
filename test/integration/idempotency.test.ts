// Idempotency-Key scoped to (tenant, endpoint, target): the reproduction (one key on two devices,
// register mode) assigns both; a repeat answers the first answer and does nothing again; the same key
// with a different request is 422 IDEMPOTENCY_KEY_REUSED naming the first request, changing nothing.
import { DeviceState } from '../../src/devices/states';
import { createApiKey, upsertTenant, upsertWorkflowVersion } from '../../dev/inventorySeed';
import { TestStack, startServingStack, waitFor } from './harness';
import { BatchTenant, batchTenant, csvOf, seedDevices } from './batchSupport';
import { expectStatus } from './apiClient';
import { lockClients, lockableDevice } from './tempLockSupport';

describe('Idempotency-Key', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let tenant: BatchTenant;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack());
    tenant = await batchTenant(stack);
  });
  afterAll(() => stop());

  async function call(method: string, path: string, body: unknown, key: string, apiKey = tenant.apiKey) {
    const csv = typeof body === 'string';
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'X-API-Key': apiKey,
        'Idempotency-Key': key,
        ...(body === undefined ? {} : { 'Content-Type': csv ? 'text/csv' : 'application/json' }),
      },
      body: body === undefined ? undefined : csv ? body : JSON.stringify(body),
    });
    return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: (await res.json()) as Record<string, any> };
  }
  const deviceState = async (uid: string) => {
    const { rows } = await stack.pool.query('SELECT id, state_id FROM t_device WHERE tenant_id = $1 AND uid = $2', [tenant.tenantId, uid]);
    const doc = await stack.mongo.devices.findOne({ tenant_id: tenant.tenantId, device_uid: uid });
    const history = await stack.pool.query('SELECT count(*)::int AS n FROM t_device_history WHERE device_id = $1', [rows[0].id]);
    return { stateId: rows[0].state_id, workflow: doc?.workflow_version_id ?? null, milestones: history.rows[0].n };
  };

  it('one key on two devices registers and assigns both (the reproduction in issue 11)', async () => {
    const [a, b] = await seedDevices(stack, tenant.tenantId, 2, DeviceState.IDLE);
    const body = { mode: 'register', workflowId: tenant.workflowId };
    const first = await call('POST', `/v1/devices/${a}/workflow`, body, 'same-key-1');
    const second = await call('POST', `/v1/devices/${b}/workflow`, body, 'same-key-1');
    expect([first.status, second.status]).toEqual([200, 200]);
    for (const uid of [a!, b!]) {
      expect(await deviceState(uid)).toMatchObject({ stateId: DeviceState.READY_FOR_USE, workflow: tenant.workflowId });
    }
  });

  it('a repeat answers the first answer and does nothing again; another request with the key is 422 and changes nothing', async () => {
    const [uid] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.READY_FOR_USE);
    const path = `/v1/devices/${uid}/workflow`;
    const first = await call('POST', path, { workflowId: tenant.workflowId }, 'assign-once');
    expect(first.status).toBe(200);
    const after = await deviceState(uid!);

    const repeat = await call('POST', path, { workflowId: tenant.workflowId }, 'assign-once');
    expect(repeat).toMatchObject({ status: 200, replayed: 'true', body: first.body });
    expect(await deviceState(uid!)).toEqual(after);

    const other = await call('POST', path, { workflowId: 'ffffffffffffffffffffffff' }, 'assign-once');
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', firstRequest: { request: `POST ${path}` } });
    expect(other.body.detail).toContain(`POST ${path}`);
    expect(await deviceState(uid!)).toEqual(after);

    // Another endpoint with the same key is another request: the exit runs.
    const exit = await call('DELETE', path, undefined, 'assign-once');
    expect(exit.status).toBe(200);
    expect((await deviceState(uid!)).workflow).toBeNull();
  });

  it('a refusal is the first answer too', async () => {
    const [uid] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE);
    const refused = await call('POST', `/v1/devices/${uid}/workflow`, { workflowId: tenant.workflowId }, 'refused-once');
    expect(refused).toMatchObject({ status: 409, body: { code: 'WRONG_STATE_DEVICE' } });
    await stack.pool.query('UPDATE t_device SET state_id = $3 WHERE tenant_id = $1 AND uid = $2', [
      tenant.tenantId,
      uid,
      DeviceState.ACTIVE,
    ]);
    const repeat = await call('POST', `/v1/devices/${uid}/workflow`, { workflowId: tenant.workflowId }, 'refused-once');
    expect(repeat).toMatchObject({ status: 409, replayed: 'true', body: { code: 'WRONG_STATE_DEVICE' } });
    expect((await deviceState(uid!)).workflow).toBeNull();
  });

  it("a sub-workspace's request with its parent's key is its own request: never the parent's answer (issue 27)", async () => {
    const subTenant = stack.uniqueId('sub');
    await upsertTenant(stack.pool, subTenant, `Sub-workspace of ${tenant.tenantId}`, tenant.tenantId);
    const subKey = await createApiKey(stack.pool, subTenant, 'sub-operator', 'operator');
    const subWorkflow = await upsertWorkflowVersion(stack.mongo, {
      name: `Workflow of ${subTenant}`,
      tenantId: subTenant,
      serviceTypeId: 1,
    });
    const [uid] = await seedDevices(stack, subTenant, 1, DeviceState.READY_FOR_USE);
    const body = { workflowId: subWorkflow };
    // The parent's key sees the new sub-workspace once its cached tenant tree is renewed (AUTH_CACHE_TTL_MS, 1 s).
    await waitFor('the parent key to see the sub-workspace', async () => {
      const res = await fetch(`${base}/v1/devices/${uid}?tenantId=${subTenant}`, { headers: { 'X-API-Key': tenant.apiKey } });
      return res.status === 200;
    });

    const parents = await call('POST', `/v1/devices/${uid}/workflow?tenantId=${subTenant}`, body, 'shared-key');
    expect(parents).toMatchObject({ status: 200, replayed: null, body: { code: 'OK' } });
    // The same key from the sub-workspace runs its own request: the device has a workflow now.
    const subs = await call('POST', `/v1/devices/${uid}/workflow`, body, 'shared-key', subKey);
    expect(subs).toMatchObject({ status: 409, replayed: null, body: { code: 'DEVICE_ALREADY_HAS_WORKFLOW' } });
    // Two runs, each under its caller's scope.
    const runs: string[] = [];
    for await (const run of stack.client.workflow.list({ query: `DeviceUid = "${uid}"` })) runs.push(run.workflowId);
    expect(runs.sort()).toEqual(
      [
        `device-workflow/${tenant.tenantId}/assign/${subTenant}/${uid}/shared-key`,
        `device-workflow/${subTenant}/assign/${subTenant}/${uid}/shared-key`,
      ].sort(),
    );
    // And the other way round: the parent's key reused by the sub-workspace for an exit exits; the parent's repeat is replayed.
    const subExit = await call('DELETE', `/v1/devices/${uid}/workflow`, undefined, 'shared-key', subKey);
    expect(subExit).toMatchObject({ status: 200, replayed: null, body: { mode: 'exit', code: 'OK' } });
    const parentRepeat = await call('POST', `/v1/devices/${uid}/workflow?tenantId=${subTenant}`, body, 'shared-key');
    expect(parentRepeat).toMatchObject({ status: 200, replayed: 'true', body: parents.body });
  });

  it('uploads: the same file and options again is the first batch; another file with the key is 422 and stores nothing', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 2);
    const path = `/v1/batches?mode=assign&workflowId=${tenant.workflowId}`;
    const first = await call('POST', path, csvOf(uids), 'upload-once');
    expect(first.status).toBe(202);
    const repeat = await call('POST', path, csvOf(uids), 'upload-once');
    expect(repeat).toMatchObject({ status: 200, body: { batchId: first.body.batchId } });
    const other = await call('POST', path, csvOf(uids.slice(0, 1)), 'upload-once');
    expect(other).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(other.body.detail).toContain(`batch ${first.body.batchId}`);
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action WHERE tenant_id = $1 AND idempotency_key = $2', [
      tenant.tenantId,
      'upload-once',
    ]);
    expect(rows[0].n).toBe(1);
  });

  it('temp locks: a repeated PUT is the first lock, a racing repeat too; another body with the key is 422; a repeated cancel is its answer', async () => {
    const device = await lockableDevice(stack);
    const path = `/v1/devices/${device.uid}/temp-lock`;
    const locksOfDevice = () => stack.mongo.deviceActions.find({ tenant_id: device.tenantId, device_uid: device.uid }).toArray();
    const lock = { durationMinutes: 30, notification: { text: 'Payment overdue' } };

    const first = await call('PUT', path, lock, 'lock-once', device.operatorKey);
    expect(first.status).toBe(202);
    const repeat = await call('PUT', path, lock, 'lock-once', device.operatorKey);
    expect(repeat).toMatchObject({ status: 202, replayed: 'true', body: first.body });
    const other = await call('PUT', path, { ...lock, durationMinutes: 31 }, 'lock-once', device.operatorKey);
    expect(other).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });

    // Two requests with a new key at once: both name one lock, which overrides the first and is not overridden itself.
    const racing = await Promise.all([1, 2].map(() => call('PUT', path, lock, 'lock-racing', device.operatorKey)));
    expect(racing.map((r) => r.status)).toEqual([202, 202]);
    expect(racing[1]!.body.actionId).toBe(racing[0]!.body.actionId);
    const second = racing[0]!.body.actionId as string;
    const locks = await waitFor('both locks written, the first cancelled', async () => {
      const docs = await locksOfDevice();
      return docs.length === 2 && docs.find((d) => d._id === first.body.actionId)?.status === 'CANCELLED' ? docs : undefined;
    });
    expect(locks.map((d) => d._id).sort()).toEqual([first.body.actionId, second].sort());
    expect(locks.find((d) => d._id === second)?.status).not.toBe('CANCELLED');

    const cancel = await call('DELETE', path, undefined, 'cancel-once', device.operatorKey);
    expect(cancel).toMatchObject({ status: 202, body: { actionId: second, status: 'CANCELLING' } });
    // The device checks in, is told to unlock and the lock ends; the key's cancel is then answered as it was.
    const { gateway } = lockClients(base, device);
    await waitFor('the second lock cancelled as the device checks in', async () => {
      const answer = expectStatus(await gateway.post('/devices/{uid}/check-in', { path: { uid: device.uid } }), 200);
      return answer.actionId === second && answer.status === 'CANCELLED';
    });
    const cancelAgain = await call('DELETE', path, undefined, 'cancel-once', device.operatorKey);
    expect(cancelAgain).toMatchObject({ status: 202, replayed: 'true', body: cancel.body });
    expect(await locksOfDevice()).toHaveLength(2);
  });
});
