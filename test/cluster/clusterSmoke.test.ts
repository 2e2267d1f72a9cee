// The cluster smoke test (`npm run test:cluster`): the stack `npm run start:cluster` runs, a Temporal
// server whose services are processes of their own, two worker processes and two API processes,
// serves a batch and a temp lock end to end. Each step is asked of one API process and checked on the
// other; the batch's devices are run by both workers and found in SQL visibility by their search attribute.
import { tempLockWorkflowId } from '../../src/tempLocks/lock';
import { DeviceState } from '../../src/devices/states';
import { expectStatus } from '../integration/apiClient';
import { batchTenant, csvOf, expectExactlyOnce, seedDevices, uploadCsv, waitForBatchEnd } from '../integration/batchSupport';
import { TestStack, startTestStack, waitFor } from '../integration/harness';
import { cancelLock, deviceRow, lockClients, lockableDevice, waitForDeviceState, waitForStatus } from '../integration/tempLockSupport';

jest.setTimeout(180_000);

const DEVICES = 200;

function clusterSetting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the cluster smoke test with "npm run test:cluster", which starts the cluster`);
  return value;
}

describe('cluster smoke: two API processes, two workers, a Temporal server of separate services', () => {
  let stack: TestStack;
  let apis: string[];

  beforeAll(async () => {
    apis = clusterSetting('DO_CLUSTER_API_URLS').split(',');
    // The stack's own stores, where its API processes read (no worker of this test's runs).
    stack = await startTestStack({
      DATABASE_URL: clusterSetting('DO_CLUSTER_DATABASE_URL'),
      MONGO_DB: clusterSetting('DO_CLUSTER_MONGO_DB'),
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('both API processes are ready and see the same Temporal', async () => {
    for (const base of apis) {
      const res = await fetch(`${base}/readyz`);
      expect(res.status).toBe(200);
    }
  });

  it('runs in the namespace TEMPORAL_NAMESPACE names, registered with the search attributes the product writes', async () => {
    const { namespace } = stack.config.temporal;
    expect(namespace).toBe(clusterSetting('TEMPORAL_NAMESPACE'));
    const described = await stack.client.workflowService.describeNamespace({ namespace });
    expect(described.namespaceInfo?.name).toBe(namespace);
    const { customAttributes } = await stack.client.connection.operatorService.listSearchAttributes({ namespace });
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(['BatchId', 'TenantId', 'DeviceUid', 'BatchMode']));
  });

  it('a batch uploaded to one API runs on both workers, is followed on the other, and is found by its search attribute', async () => {
    const tenant = await batchTenant(stack);
    const uids = await seedDevices(stack, tenant.tenantId, DEVICES);
    const uploaded = expectStatus(
      await uploadCsv(apis[0], tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId }),
      202,
    );
    // The API processes start it in the stack's namespace, and link to it there in the Web UI.
    expect(uploaded.links.temporalUi).toContain(`/namespaces/${encodeURIComponent(stack.config.temporal.namespace)}/workflows/`);
    const end = await waitForBatchEnd(apis[1], tenant.apiKey, uploaded.batchId, 150_000);
    expect(end).toMatchObject({ status: 'COMPLETED' });
    expect(await expectExactlyOnce(stack, tenant.tenantId, uploaded.batchId, uids)).toEqual({ SUCCEEDED: DEVICES });

    // SQL visibility answers the product's search attributes (registered through the operator API).
    const query = `BatchId = '${uploaded.batchId}' AND WorkflowType = 'deviceAssign' AND ExecutionStatus = 'Completed'`;
    await waitFor(`${DEVICES} completed children in visibility`, async () => (await stack.client.workflow.count(query)).count === DEVICES);

    // Both worker processes ran devices: the identities that completed the children's workflow tasks.
    const identities = new Set<string>();
    for await (const child of stack.client.workflow.list({ query })) {
      const history = await stack.client.workflow.getHandle(child.workflowId, child.runId).fetchHistory();
      for (const event of history.events ?? []) {
        if (event.workflowTaskCompletedEventAttributes?.identity) identities.add(event.workflowTaskCompletedEventAttributes.identity);
      }
    }
    expect(identities.size).toBe(2);
  });

  it('a temp lock assigned through one API is activated by check-ins through the other, then cancelled', async () => {
    const device = await lockableDevice(stack);
    const first = lockClients(apis[0], device);
    const second = lockClients(apis[1], device);
    const assigned = expectStatus(
      await first.operator.put('/devices/{uid}/temp-lock', { ...first.uid, body: { durationMinutes: 60, workingHours: false } }),
      202,
    );
    await waitForStatus(stack, assigned.actionId, 'ACTIVATING');
    expect(expectStatus(await second.gateway.post('/devices/{uid}/check-in', second.uid), 200)).toMatchObject({
      directive: 'LOCK',
      actionId: assigned.actionId,
    });
    await waitForStatus(stack, assigned.actionId, 'ACTIVATED');
    await waitForDeviceState(stack, device.deviceId, DeviceState.LOCKED);
    expect(expectStatus(await first.operator.get('/devices/{uid}/temp-lock', first.uid), 200)).toMatchObject({
      status: 'ACTIVATED',
      running: true,
    });

    const told = await cancelLock(apis[1], device, assigned.actionId);
    // LOCK may still be answered until the UNLOCK goes out; never after it.
    expect(told).toContain('UNLOCK');
    expect(told.slice(told.indexOf('UNLOCK'))).not.toContain('LOCK');
    await stack.client.workflow.getHandle(tempLockWorkflowId(device.tenantId, device.uid)).result();
    expect(await deviceRow(stack, device.deviceId)).toMatchObject({ state_id: DeviceState.ACTIVE });
  });
});
