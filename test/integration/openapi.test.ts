// The OpenAPI document is served, and real responses of every kind match its schemas (the typed client
// checks every answer against the document; the explicit checks here name the component each one is).
import { openApiDocument } from '../../src/platform/openapi/document';
import { DeviceState } from '../../src/devices/states';
import { imeiWithCheckDigit, createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion } from '../../dev/inventorySeed';
import { TestStack, startTestStack, waitFor } from './harness';
import { SchemaName, componentSchema, schemaMismatches } from './schemaCheck';
import { apiClient, expectStatus } from './apiClient';

describe('OpenAPI document against real responses', () => {
  let stack: TestStack;
  let base: string;
  let key: string;
  let gatewayKey: string;
  let tenantId: string;
  let workflowId: string;
  let uids: string[];
  let stopWorker: () => void;
  let workerDone: Promise<void>;

  beforeAll(async () => {
    stack = await startTestStack({ TEMP_LOCK_MINUTE_MS: '60000' });
    base = await stack.startApi();
    tenantId = stack.uniqueId('openapi');
    await upsertTenant(stack.pool, tenantId, 'OpenAPI tenant');
    key = await createApiKey(stack.pool, tenantId, 'op', 'operator');
    gatewayKey = await createApiKey(stack.pool, tenantId, 'gw', 'device_gateway');
    workflowId = await upsertWorkflowVersion(stack.mongo, { name: 'OpenAPI policy', tenantId, serviceTypeId: 1 });
    const stamp = Date.now().toString().slice(-8);
    uids = [0, 1, 2].map((i) => imeiWithCheckDigit(`353${stamp}${String(i).padStart(3, '0')}`));
    await insertDevices(
      stack.pool,
      tenantId,
      uids.map((uid) => ({ uid, stateId: DeviceState.READY_FOR_USE })),
    );
    const worker = await stack.newWorker();
    workerDone = worker.run();
    stopWorker = () => worker.shutdown();
  });
  afterAll(async () => {
    stopWorker();
    await workerDone;
    await stack.close();
  });

  function expectSchema(value: unknown, schema: SchemaName) {
    expect(schemaMismatches(value, componentSchema(schema))).toEqual([]);
  }

  it('is served at /v1/openapi.json without a key', async () => {
    const res = await fetch(`${base}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as typeof openApiDocument;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/batches', '/devices/{uid}/temp-lock', '/devices/{uid}/check-in']));
  });

  it('the checker itself catches a mismatch', () => {
    expect(schemaMismatches({ batchId: 1 }, componentSchema('UploadAccepted'))).toEqual(
      expect.arrayContaining(['$.batchId: expected string, got number', '$.status: missing']),
    );
  });

  it('the typed client refuses an answer the document does not list', async () => {
    const api = apiClient(base, key);
    const answer = api.post('/batches/{id}/cancel', { path: { id: '00000000-0000-4000-8000-000000000000' }, body: 'x' } as never);
    await expect(answer).rejects.toThrow('POST /batches/{id}/cancel answered 415, which the OpenAPI document does not list');
  });

  it('batch upload, status, device pages, device and history match', async () => {
    const api = apiClient(base, key);
    const upload = expectStatus(
      await api.post('/batches', { query: { mode: 'assign', workflowId }, body: ['deviceUid', ...uids].join('\n') + '\n' }),
      202,
    );
    expectSchema(upload, 'UploadAccepted');
    const finished = await waitFor('batch finished', async () => {
      const status = expectStatus(await api.get('/batches/{id}', { path: { id: upload.batchId } }), 200);
      return status.status === 'COMPLETED' ? status : undefined;
    });
    expectSchema(finished, 'BatchStatus');
    expectSchema(
      expectStatus(await api.get('/batches/{id}/devices', { path: { id: upload.batchId }, query: { limit: 2 } }), 200),
      'BatchDevicesPage',
    );
    expectSchema(expectStatus(await api.get('/devices/{uid}', { path: { uid: uids[0]! } }), 200), 'Device');
    expectSchema(expectStatus(await api.get('/devices/{uid}/history', { path: { uid: uids[0]! } }), 200), 'DeviceHistory');
    expectSchema(expectStatus(await api.get('/workflows'), 200), 'WorkflowCatalogue');
    expectSchema(expectStatus(await api.get('/me'), 200), 'Caller');
  });

  it('temp lock, check-in and working hours match', async () => {
    const api = apiClient(base, key);
    const device = { path: { uid: uids[1]! } };
    expectSchema(
      expectStatus(await api.put('/devices/{uid}/temp-lock', { ...device, body: { durationMinutes: 30 } }), 202),
      'TempLockAccepted',
    );
    expectSchema(expectStatus(await apiClient(base, gatewayKey).post('/devices/{uid}/check-in', device), 200), 'CheckInAnswer');
    expectSchema(expectStatus(await api.get('/devices/{uid}/temp-lock', device), 200), 'TempLockView');
    expectSchema(expectStatus(await api.delete('/devices/{uid}/temp-lock', device), 202), 'TempLockCancelling');
    const calendar = {
      timeZone: 'Europe/Berlin',
      windows: [{ day: 'MON' as const, start: '08:00', end: '17:30' }],
      holidays: ['2026-12-25'],
    };
    expectSchema(
      expectStatus(await api.put('/tenants/{id}/working-hours', { path: { id: tenantId }, body: calendar }), 200),
      'WorkingHours',
    );
  });

  it('errors match the Problem schema', async () => {
    const missing = await apiClient(base, key).get('/batches/{id}', { path: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    expectSchema(expectStatus(missing, 404), 'Problem');
  });
});
