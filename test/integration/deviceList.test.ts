// GET /v1/devices: a tenant tree's devices in UID order, found by the start of a UID or second IMEI, filtered by
// state and catalogue workflow, in cursor pages; never another tree's devices.
import { ObjectId } from 'mongodb';
import { createApiKey, imeiWithCheckDigit, insertDevices, upsertTenant } from '../../dev/inventorySeed';
import { DeviceState } from '../../src/devices/states';
import { TestStack, startServingStack } from './harness';
import { ApiClient, apiClient, expectStatus } from './apiClient';

describe('the device list', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack());
  });
  afterAll(() => stop());

  /** A root tenant with a workspace, another tree, and devices in each. */
  async function fleet() {
    const root = stack.uniqueId('list-root');
    const workspace = stack.uniqueId('list-ws');
    const other = stack.uniqueId('list-other');
    await upsertTenant(stack.pool, root, 'Root');
    await upsertTenant(stack.pool, workspace, 'Workspace', root);
    await upsertTenant(stack.pool, other, 'Other');
    const stamp = Date.now().toString().slice(-8);
    const imei = (n: number) => imeiWithCheckDigit(`357${stamp}${String(n).padStart(3, '0')}`);
    const serial = `SN-${stamp}-A`;
    const uids = { active: imei(1), idle: imei(2), inWorkspace: imei(3), serial, othersTree: imei(4) };
    const secondImei = imeiWithCheckDigit(`358${stamp}009`);
    await insertDevices(stack.pool, root, [
      { uid: uids.active, stateId: DeviceState.ACTIVE },
      { uid: uids.idle, stateId: DeviceState.IDLE },
      { uid: serial, stateId: DeviceState.ACTIVE },
    ]);
    await stack.pool.query('UPDATE t_device SET imei2 = $1 WHERE tenant_id = $2 AND uid = $3', [secondImei, root, serial]);
    await insertDevices(stack.pool, workspace, [{ uid: uids.inWorkspace, stateId: DeviceState.READY_FOR_USE }]);
    await insertDevices(stack.pool, other, [{ uid: uids.othersTree, stateId: DeviceState.ACTIVE }]);
    const workflowId = new ObjectId().toHexString();
    for (const [tenantId, uid] of [
      [root, uids.active],
      [workspace, uids.inWorkspace],
      [other, uids.othersTree],
    ] as const) {
      await stack.mongo.devices.insertOne({
        _id: `${tenantId}/${uid}`,
        tenant_id: tenantId,
        device_uid: uid,
        is_activating_workflow: false,
        workflow_version_id: workflowId,
        workflow: { workflowId, workflowName: 'Finance policy', assignedAt: new Date(), assignedBy: 'test' },
        updated_at: new Date(),
      });
    }
    const api = apiClient(base, await createApiKey(stack.pool, root, 'list-op', 'operator'));
    return { root, workspace, other, stamp, uids, secondImei, workflowId, api };
  }

  type ListQuery = { uidPrefix?: string; state?: 'IDLE' | 'ACTIVE' | 'READY_FOR_USE'; workflowId?: string; tenantId?: string };
  const listed = async (api: ApiClient, query: ListQuery = {}) =>
    expectStatus(await api.get('/devices', { query }), 200).devices.map((d) => `${d.tenantId}:${d.uid}`);

  it('lists the tree’s devices in UID order with their workflow, and finds them by UID or second-IMEI prefix', async () => {
    const { root, workspace, stamp, uids, secondImei, workflowId, api } = await fleet();
    const page = expectStatus(await api.get('/devices', { query: { uidPrefix: `357${stamp}` } }), 200);
    expect(page.devices.map((d) => d.uid)).toEqual([uids.active, uids.idle, uids.inWorkspace]);
    expect(page.devices[0]).toMatchObject({ tenantId: root, state: 'ACTIVE', workflow: { workflowId, workflowName: 'Finance policy' } });
    expect(page.devices[1]).toMatchObject({ state: 'IDLE', workflow: null });
    expect(page.devices[2]).toMatchObject({ tenantId: workspace, state: 'READY_FOR_USE' });
    expect(page.nextCursor).toBeNull();

    // Without a search: the whole tree (this tree has only these devices), the serial number after the IMEIs.
    expect(await listed(api)).toEqual([
      `${root}:${uids.active}`,
      `${root}:${uids.idle}`,
      `${workspace}:${uids.inWorkspace}`,
      `${root}:${uids.serial}`,
    ]);
    expect(await listed(api, { uidPrefix: `SN-${stamp}` })).toEqual([`${root}:${uids.serial}`]);
    expect(await listed(api, { uidPrefix: secondImei.slice(0, 10) })).toEqual([`${root}:${uids.serial}`]);
    expect(await listed(api, { uidPrefix: uids.othersTree })).toEqual([]);
  });

  it('filters by state, catalogue workflow and workspace; filters combine', async () => {
    const { root, workspace, other, uids, workflowId, api } = await fleet();
    expect(await listed(api, { state: 'ACTIVE' })).toEqual([`${root}:${uids.active}`, `${root}:${uids.serial}`]);
    expect(await listed(api, { workflowId })).toEqual([`${root}:${uids.active}`, `${workspace}:${uids.inWorkspace}`]);
    expect(await listed(api, { workflowId, state: 'READY_FOR_USE' })).toEqual([`${workspace}:${uids.inWorkspace}`]);
    expect(await listed(api, { workflowId: new ObjectId().toHexString() })).toEqual([]);
    expect(await listed(api, { tenantId: workspace })).toEqual([`${workspace}:${uids.inWorkspace}`]);
    expect((await api.get('/devices', { query: { tenantId: other } })).status).toBe(404);
    // A workspace's key sees its own subtree only.
    const fromWorkspace = apiClient(base, await createApiKey(stack.pool, workspace, 'ws-list-op', 'read_only'));
    expect(await listed(fromWorkspace)).toEqual([`${workspace}:${uids.inWorkspace}`]);
  });

  it('pages by cursor without skipping or repeating a device, and follows links.next', async () => {
    const { api } = await fleet();
    const all = await listed(api);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = expectStatus(await api.get('/devices', { query: { limit: 1, ...(cursor ? { cursor } : {}) } }), 200);
      seen.push(...page.devices.map((d) => `${d.tenantId}:${d.uid}`));
      if (page.nextCursor) expect(page.links.next).toContain(`cursor=${page.nextCursor}`);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(seen).toHaveLength(4);
  });

  it('refuses a bad search, filter, cursor or limit with 400, and device-gateway keys with 403', async () => {
    const { root, api } = await fleet();
    for (const query of [{ uidPrefix: '35%' }, { uidPrefix: 'x'.repeat(33) }, { state: 'BROKEN' }, { workflowId: 'nope' }]) {
      const answer = await api.get('/devices', { query: query as ListQuery });
      expect([answer.status, (answer.body as { code?: string }).code]).toEqual([400, 'VALIDATION_FAILED']);
    }
    expect((await api.get('/devices', { query: { cursor: 'not-a-cursor' } })).status).toBe(400);
    expect((await api.get('/devices', { query: { limit: 201 } })).status).toBe(400);
    const gateway = apiClient(base, await createApiKey(stack.pool, root, 'list-gw', 'device_gateway'));
    expect((await gateway.get('/devices')).status).toBe(403);
  });
});
