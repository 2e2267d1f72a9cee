// Tenant isolation on every endpoint (another tenant's batch, device, lock or calendar is 404, and
// is left untouched), and roles: read-only keys cannot write, gateway keys can only check in.
import { DeviceState } from '../../src/devices/states';
import { imeiWithCheckDigit, createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion } from '../../dev/inventorySeed';
import { ApiClient, apiClient, expectStatus } from './apiClient';
import { TestStack, startTestStack, waitFor } from './harness';

describe('tenant isolation and roles', () => {
  let stack: TestStack;
  let base: string;
  let stopWorker: () => void;
  let workerDone: Promise<void>;
  const keys = { operator: '', readOnly: '', gateway: '', otherOperator: '' };
  let other: { tenantId: string; workflowId: string; uid: string; batchId: string };
  let own: { tenantId: string; workflowId: string; batchId: string };

  /** Typed clients per key (answers checked against the OpenAPI document). */
  const as = (key: keyof typeof keys) => apiClient(base, keys[key]);

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
    const ownUpload = await as('operator').post('/batches', {
      query: { mode: 'assign', workflowId: ownWorkflow },
      body: `deviceUid\n${ownUid}\n`,
    });
    const otherUpload = await as('otherOperator').post('/batches', {
      query: { mode: 'assign', workflowId: otherWorkflow },
      body: `deviceUid\n${otherUid}\n${otherLockedUid}\n`,
    });
    own = { tenantId: ownTenant, workflowId: ownWorkflow, batchId: expectStatus(ownUpload, 202).batchId };
    other = { tenantId: otherTenant, workflowId: otherWorkflow, uid: otherLockedUid, batchId: expectStatus(otherUpload, 202).batchId };
    await waitFor('both batches finished', async () => {
      const a = await as('operator').get('/batches/{id}', { path: { id: own.batchId } });
      const b = await as('otherOperator').get('/batches/{id}', { path: { id: other.batchId } });
      return expectStatus(a, 200).status === 'COMPLETED' && expectStatus(b, 200).status === 'COMPLETED';
    });
    const calendar = { timeZone: 'UTC', windows: [{ day: 'MON' as const, start: '00:00', end: '24:00' }], holidays: [] };
    expectStatus(await as('otherOperator').put('/tenants/{id}/working-hours', { path: { id: otherTenant }, body: calendar }), 200);
    expectStatus(
      await as('otherOperator').put('/devices/{uid}/temp-lock', { path: { uid: otherLockedUid }, body: { durationMinutes: 30 } }),
      202,
    );
    // Stored by its workflow's first transition (until then GET shows it without its terms; on a loaded machine
    // that took longer than the tests below), so the last test compares with the lock as it was.
    await waitFor('their lock stored', async () => {
      const lock = await as('otherOperator').get('/devices/{uid}/temp-lock', { path: { uid: otherLockedUid } });
      return expectStatus(lock, 200).durationMinutes === 30;
    });
  });

  afterAll(async () => {
    await as('otherOperator').delete('/devices/{uid}/temp-lock', { path: { uid: other.uid } });
    stopWorker();
    await workerDone;
    await stack.close();
  });

  const calendar = { timeZone: 'UTC', windows: [], holidays: [] };
  const batch = () => ({ path: { id: other.batchId } });
  const device = () => ({ path: { uid: other.uid } });
  const foreign: [string, (api: ApiClient) => Promise<{ status: number }>][] = [
    ['GET batch status', (api) => api.get('/batches/{id}', batch())],
    ['GET batch devices', (api) => api.get('/batches/{id}/devices', batch())],
    ['GET batch results CSV', (api) => api.get('/batches/{id}/results.csv', batch())],
    ['POST batch cancel', (api) => api.post('/batches/{id}/cancel', batch())],
    ['POST batch retry', (api) => api.post('/batches/{id}/retry', batch())],
    ['GET device', (api) => api.get('/devices/{uid}', device())],
    ['GET device by tenantId', (api) => api.get('/devices/{uid}', { ...device(), query: { tenantId: other.tenantId } })],
    ['GET device history', (api) => api.get('/devices/{uid}/history', device())],
    ['DELETE device workflow exit', (api) => api.delete('/devices/{uid}/workflow', device())],
    ['GET temp lock', (api) => api.get('/devices/{uid}/temp-lock', device())],
    ['DELETE temp lock cancel', (api) => api.delete('/devices/{uid}/temp-lock', device())],
    ['PUT temp lock override', (api) => api.put('/devices/{uid}/temp-lock', { ...device(), body: { durationMinutes: 1 } })],
    [
      'PUT temp lock override by tenantId',
      (api) => api.put('/devices/{uid}/temp-lock', { ...device(), query: { tenantId: other.tenantId }, body: { durationMinutes: 1 } }),
    ],
    ['GET working hours', (api) => api.get('/tenants/{id}/working-hours', { path: { id: other.tenantId } })],
    ['PUT working hours', (api) => api.put('/tenants/{id}/working-hours', { path: { id: other.tenantId }, body: calendar })],
    [
      'POST upload into their workspace',
      (api) =>
        api.post('/batches', {
          query: { mode: 'assign', workflowId: own.workflowId, targetWorkspaceId: other.tenantId },
          body: 'deviceUid\n490154203237518\n',
        }),
    ],
  ];

  it.each(foreign)('%s of another tenant is 404', async (_what, request) => {
    expect((await request(as('operator'))).status).toBe(404);
  });

  it("a device assign with another tenant's device is 404, with its workflow is 422", async () => {
    const assign = await as('operator').post('/devices/{uid}/workflow', { ...device(), body: { workflowId: own.workflowId } });
    expect(assign.status).toBe(404);
    const upload = await as('operator').post('/batches', {
      query: { mode: 'assign', workflowId: other.workflowId },
      body: 'deviceUid\n490154203237518\n',
    });
    expect(expectStatus(upload, 422).code).toBe('WORKFLOW_NOT_FOUND');
  });

  it("a gateway key of one tenant cannot check in another tenant's device", async () => {
    expect((await as('gateway').post('/devices/{uid}/check-in', device())).status).toBe(404);
  });

  it("the catalogue lists only the caller's workflows", async () => {
    const list = expectStatus(await as('operator').get('/workflows'), 200);
    expect(list.workflows.map((w) => w.id)).toEqual([own.workflowId]);
  });

  it("left the other tenant's lock, batch and calendar as they were", async () => {
    const theirs = as('otherOperator');
    expect(expectStatus(await theirs.get('/devices/{uid}/temp-lock', device()), 200)).toMatchObject({ running: true, durationMinutes: 30 });
    expect(expectStatus(await theirs.get('/batches/{id}', batch()), 200)).toMatchObject({ status: 'COMPLETED', retries: 0 });
    const hours = await theirs.get('/tenants/{id}/working-hours', { path: { id: other.tenantId } });
    expect(expectStatus(hours, 200)).toMatchObject({ timeZone: 'UTC' });
  });

  it('a read-only key reads but cannot write', async () => {
    const reader = as('readOnly');
    expectStatus(await reader.get('/batches/{id}', { path: { id: own.batchId } }), 200);
    for (const [what, answer] of [
      [
        'uploadBatch',
        await reader.post('/batches', { query: { mode: 'assign', workflowId: own.workflowId }, body: 'deviceUid\n490154203237518\n' }),
      ],
      ['retryBatch', await reader.post('/batches/{id}/retry', { path: { id: own.batchId } })],
      ['setWorkingHours', await reader.put('/tenants/{id}/working-hours', { path: { id: own.tenantId }, body: calendar })],
      ['createWorkflow', await reader.post('/workflows', { body: { name: 'x', serviceTypeId: 1 } })],
    ] as const) {
      expect([what, answer.status, answer.body]).toEqual([what, 403, expect.objectContaining({ code: 'FORBIDDEN' })]);
    }
  });

  it('a device-gateway key can only check in; an operator key cannot check in', async () => {
    const read = await as('gateway').get('/batches/{id}', { path: { id: own.batchId } });
    expect(expectStatus(read, 403).code).toBe('FORBIDDEN');
    const ownDevices = expectStatus(await as('operator').get('/batches/{id}/devices', { path: { id: own.batchId } }), 200);
    const uid = { path: { uid: ownDevices.devices[0]!.deviceUid } };
    expect(expectStatus(await as('gateway').post('/devices/{uid}/check-in', uid), 200)).toMatchObject({ directive: 'NONE' });
    expect((await as('operator').post('/devices/{uid}/check-in', uid)).status).toBe(403);
  });
});
