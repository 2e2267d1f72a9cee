// Tenant isolation on every endpoint (another tenant's batch, device, lock or calendar is 404, and
// is left untouched), and roles: read-only keys cannot write, gateway keys can only check in.
import { DeviceState } from '../../src/domain/deviceStates';
import { imeiWithCheckDigit } from '../../src/domain/deviceUid';
import { createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion } from '../../src/db/inventorySeed';
import { TestStack, startTestStack, waitFor } from './harness';

describe('tenant isolation and roles', () => {
  let stack: TestStack;
  let base: string;
  let stopWorker: () => void;
  let workerDone: Promise<void>;
  const keys = { operator: '', readOnly: '', gateway: '', otherOperator: '' };
  let other: { tenantId: string; workflowId: string; uid: string; batchId: string };
  let own: { tenantId: string; workflowId: string; batchId: string };

  async function call(method: string, path: string, key: string, body?: unknown) {
    const csv = typeof body === 'string';
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'X-API-Key': key, 'Content-Type': csv ? 'text/csv' : 'application/json' },
      body: body === undefined ? undefined : csv ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : text };
  }

  beforeAll(async () => {
    stack = await startTestStack();
    base = await stack.startApi();
    const worker = await stack.newWorker();
    workerDone = worker.run();
    stopWorker = () => worker.shutdown();

    const stamp = Date.now().toString().slice(-8);
    const ownTenant = stack.uniqueId('own');
    const otherTenant = stack.uniqueId('other');
    await upsertTenant(stack.pool, ownTenant, 'Own tenant');
    await upsertTenant(stack.pool, otherTenant, 'Other tenant');
    keys.operator = await createApiKey(stack.pool, ownTenant, 'op', 'operator');
    keys.readOnly = await createApiKey(stack.pool, ownTenant, 'viewer', 'read_only');
    keys.gateway = await createApiKey(stack.pool, ownTenant, 'gw', 'device_gateway');
    keys.otherOperator = await createApiKey(stack.pool, otherTenant, 'op2', 'operator');
    const ownWorkflow = await upsertWorkflowVersion(stack.mongo, { name: 'Own policy', tenantId: ownTenant, serviceTypeId: 1 });
    const otherWorkflow = await upsertWorkflowVersion(stack.mongo, { name: 'Other policy', tenantId: otherTenant, serviceTypeId: 1 });
    const ownUid = imeiWithCheckDigit(`354${stamp}001`);
    const otherUid = imeiWithCheckDigit(`354${stamp}002`);
    const otherLockedUid = imeiWithCheckDigit(`354${stamp}003`);
    await insertDevices(stack.pool, ownTenant, [{ uid: ownUid, stateId: DeviceState.READY_FOR_USE }]);
    await insertDevices(stack.pool, otherTenant, [
      { uid: otherUid, stateId: DeviceState.READY_FOR_USE },
      { uid: otherLockedUid, stateId: DeviceState.ACTIVE },
    ]);

    // The other tenant has a finished batch, a calendar and a running temp lock.
    const ownUpload = await call('POST', `/v1/batches?mode=assign&workflowId=${ownWorkflow}`, keys.operator, `deviceUid\n${ownUid}\n`);
    const otherUpload = await call(
      'POST',
      `/v1/batches?mode=assign&workflowId=${otherWorkflow}`,
      keys.otherOperator,
      `deviceUid\n${otherUid}\n${otherLockedUid}\n`,
    );
    expect([ownUpload.status, otherUpload.status]).toEqual([202, 202]);
    own = { tenantId: ownTenant, workflowId: ownWorkflow, batchId: ownUpload.body && (ownUpload.body as { batchId: string }).batchId };
    other = {
      tenantId: otherTenant,
      workflowId: otherWorkflow,
      uid: otherLockedUid,
      batchId: (otherUpload.body as { batchId: string }).batchId,
    };
    await waitFor('both batches finished', async () => {
      const a = await call('GET', `/v1/batches/${own.batchId}`, keys.operator);
      const b = await call('GET', `/v1/batches/${other.batchId}`, keys.otherOperator);
      return (a.body as { status: string }).status === 'COMPLETED' && (b.body as { status: string }).status === 'COMPLETED';
    });
    const calendar = { timeZone: 'UTC', windows: [{ day: 'MON', start: '00:00', end: '24:00' }], holidays: [] };
    expect((await call('PUT', `/v1/tenants/${otherTenant}/working-hours`, keys.otherOperator, calendar)).status).toBe(200);
    expect((await call('PUT', `/v1/devices/${otherLockedUid}/temp-lock`, keys.otherOperator, { durationMinutes: 30 })).status).toBe(202);
  });

  afterAll(async () => {
    await call('DELETE', `/v1/devices/${other.uid}/temp-lock`, keys.otherOperator);
    stopWorker();
    await workerDone;
    await stack.close();
  });

  const foreign: [string, string, () => string, unknown?][] = [
    ['GET', 'batch status', () => `/v1/batches/${other.batchId}`],
    ['GET', 'batch devices', () => `/v1/batches/${other.batchId}/devices`],
    ['GET', 'batch results CSV', () => `/v1/batches/${other.batchId}/results.csv`],
    ['POST', 'batch cancel', () => `/v1/batches/${other.batchId}/cancel`],
    ['POST', 'batch retry', () => `/v1/batches/${other.batchId}/retry`],
    ['GET', 'device', () => `/v1/devices/${other.uid}`],
    ['GET', 'device by tenantId', () => `/v1/devices/${other.uid}?tenantId=${other.tenantId}`],
    ['GET', 'device history', () => `/v1/devices/${other.uid}/history`],
    ['DELETE', 'device workflow exit', () => `/v1/devices/${other.uid}/workflow`],
    ['GET', 'temp lock', () => `/v1/devices/${other.uid}/temp-lock`],
    ['DELETE', 'temp lock cancel', () => `/v1/devices/${other.uid}/temp-lock`],
    ['PUT', 'temp lock override', () => `/v1/devices/${other.uid}/temp-lock`, { durationMinutes: 1 }],
    [
      'PUT',
      'temp lock override by tenantId',
      () => `/v1/devices/${other.uid}/temp-lock?tenantId=${other.tenantId}`,
      { durationMinutes: 1 },
    ],
    ['GET', 'working hours', () => `/v1/tenants/${other.tenantId}/working-hours`],
    ['PUT', 'working hours', () => `/v1/tenants/${other.tenantId}/working-hours`, { timeZone: 'UTC', windows: [], holidays: [] }],
    [
      'POST',
      'upload into their workspace',
      () => `/v1/batches?mode=assign&workflowId=${own.workflowId}&targetWorkspaceId=${other.tenantId}`,
      'deviceUid\n490154203237518\n',
    ],
  ];

  // Each row has exactly three columns: with fewer table columns than parameters jest would wait for done().
  it.each(foreign.map(([method, what, path, body]) => [method, what, { path, body }] as const))(
    '%s %s of another tenant is 404',
    async (method, _what, request) => {
      const res = await call(method, request.path(), keys.operator, request.body);
      expect(res.status).toBe(404);
    },
  );

  it("a device assign with another tenant's device is 404, with its workflow is 422", async () => {
    expect((await call('POST', `/v1/devices/${other.uid}/workflow`, keys.operator, { workflowId: own.workflowId })).status).toBe(404);
    const upload = await call(
      'POST',
      `/v1/batches?mode=assign&workflowId=${other.workflowId}`,
      keys.operator,
      'deviceUid\n490154203237518\n',
    );
    expect({ status: upload.status, code: (upload.body as { code: string }).code }).toEqual({ status: 422, code: 'WORKFLOW_NOT_FOUND' });
  });

  it("a gateway key of one tenant cannot check in another tenant's device", async () => {
    expect((await call('POST', `/v1/devices/${other.uid}/check-in`, keys.gateway, {})).status).toBe(404);
  });

  it("the catalogue lists only the caller's workflows", async () => {
    const list = (await call('GET', '/v1/workflows', keys.operator)).body as { workflows: { id: string }[] };
    expect(list.workflows.map((w) => w.id)).toEqual([own.workflowId]);
  });

  it("left the other tenant's lock, batch and calendar as they were", async () => {
    const lock = await call('GET', `/v1/devices/${other.uid}/temp-lock`, keys.otherOperator);
    expect(lock.body).toMatchObject({ running: true, durationMinutes: 30 });
    const batch = await call('GET', `/v1/batches/${other.batchId}`, keys.otherOperator);
    expect(batch.body).toMatchObject({ status: 'COMPLETED', retries: 0 });
    const calendar = await call('GET', `/v1/tenants/${other.tenantId}/working-hours`, keys.otherOperator);
    expect(calendar.body).toMatchObject({ timeZone: 'UTC' });
  });

  it('a read-only key reads but cannot write', async () => {
    expect((await call('GET', `/v1/batches/${own.batchId}`, keys.readOnly)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', `/v1/batches?mode=assign&workflowId=${own.workflowId}`, 'deviceUid\n490154203237518\n'],
      ['POST', `/v1/batches/${own.batchId}/retry`, undefined],
      ['PUT', `/v1/tenants/${own.tenantId}/working-hours`, { timeZone: 'UTC', windows: [], holidays: [] }],
      ['POST', '/v1/workflows', { name: 'x', serviceTypeId: 1 }],
    ] as const) {
      const res = await call(method, path, keys.readOnly, body);
      expect({ path, status: res.status, code: (res.body as { code: string }).code }).toEqual({ path, status: 403, code: 'FORBIDDEN' });
    }
  });

  it('a device-gateway key can only check in; an operator key cannot check in', async () => {
    const read = await call('GET', `/v1/batches/${own.batchId}`, keys.gateway);
    expect({ status: read.status, code: (read.body as { code: string }).code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    const ownDevice = (await call('GET', `/v1/batches/${own.batchId}/devices`, keys.operator)).body as { devices: { deviceUid: string }[] };
    const uid = ownDevice.devices[0]!.deviceUid;
    expect((await call('POST', `/v1/devices/${uid}/check-in`, keys.gateway, {})).body).toMatchObject({ directive: 'NONE' });
    expect((await call('POST', `/v1/devices/${uid}/check-in`, keys.operator, {})).status).toBe(403);
  });
});
