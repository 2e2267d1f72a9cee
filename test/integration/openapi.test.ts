// The OpenAPI document is served, and real responses of every kind match its schemas.
import { openApiDocument } from '../../src/api/openapi';
import { DeviceState } from '../../src/domain/deviceStates';
import { imeiWithCheckDigit } from '../../src/domain/deviceUid';
import { createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion } from '../../src/db/inventorySeed';
import { TestStack, startTestStack, waitFor } from './harness';
import { SchemaName, componentSchema, schemaMismatches } from './schemaCheck';

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

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, apiKey = key) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'X-API-Key': apiKey,
        ...(typeof body === 'string' ? { 'Content-Type': 'text/csv' } : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as unknown };
  }

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

  it('batch upload, status, device pages, device and history match', async () => {
    const upload = await call('POST', `/v1/batches?mode=assign&workflowId=${workflowId}`, ['deviceUid', ...uids].join('\n') + '\n');
    expect(upload.status).toBe(202);
    expectSchema(upload.body, 'UploadAccepted');
    const batchId = (upload.body as { batchId: string }).batchId;
    const finished = await waitFor('batch finished', async () => {
      const status = await call('GET', `/v1/batches/${batchId}`);
      return (status.body as { status: string }).status === 'COMPLETED' ? status : undefined;
    });
    expectSchema(finished.body, 'BatchStatus');
    expectSchema((await call('GET', `/v1/batches/${batchId}/devices?limit=2`)).body, 'BatchDevicesPage');
    expectSchema((await call('GET', `/v1/devices/${uids[0]}`)).body, 'Device');
    expectSchema((await call('GET', `/v1/devices/${uids[0]}/history`)).body, 'DeviceHistory');
    const catalogue = (await call('GET', '/v1/workflows')).body as { workflows: unknown[] };
    catalogue.workflows.forEach((w) => expectSchema(w, 'Workflow'));
  });

  it('temp lock, check-in and working hours match', async () => {
    const lock = await call('PUT', `/v1/devices/${uids[1]}/temp-lock`, { durationMinutes: 30 });
    expect(lock.status).toBe(202);
    expectSchema(lock.body, 'TempLockAccepted');
    const checkIn = await call('POST', `/v1/devices/${uids[1]}/check-in`, {}, {}, gatewayKey);
    expect(checkIn.status).toBe(200);
    expectSchema(checkIn.body, 'CheckInAnswer');
    expectSchema((await call('GET', `/v1/devices/${uids[1]}/temp-lock`)).body, 'TempLockView');
    expect((await call('DELETE', `/v1/devices/${uids[1]}/temp-lock`)).status).toBe(202);
    const calendar = { timeZone: 'Europe/Berlin', windows: [{ day: 'MON', start: '08:00', end: '17:30' }], holidays: ['2026-12-25'] };
    const saved = await call('PUT', `/v1/tenants/${tenantId}/working-hours`, calendar);
    expect(saved.status).toBe(200);
    expectSchema(saved.body, 'WorkingHours');
  });

  it('errors match the Problem schema', async () => {
    const missing = await call('GET', '/v1/batches/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.contentType).toContain('application/problem+json');
    expectSchema(missing.body, 'Problem');
  });
});
