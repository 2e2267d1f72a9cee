// GET /v1/batches/:id/events: a batch's live progress as Server-Sent Events, read the way the portal
// reads it (fetch with the X-API-Key header and a stream reader): progress events while the batch
// runs, at most one per interval, then an `end` event with the final status, then the stream closes.
import { Worker } from '@temporalio/worker';
import { createApiKey } from '../../dev/inventorySeed';
import { EVENT_INTERVAL_MS } from '../../src/batches/eventsRoute';
import { TestStack, createTenantWithKey, startTestStack } from './harness';
import { BatchTenant, batchTenant, csvOf, seedDevices, uploadCsv, waitForBatchEnd } from './batchSupport';
import { expectStatus } from './apiClient';
import { readEvents } from './eventStreamSupport';

describe('batch progress over Server-Sent Events', () => {
  let stack: TestStack;
  let base: string;
  let tenant: BatchTenant;
  let worker: Worker | null = null;
  let workerDone: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    stack = await startTestStack();
    base = await stack.startApi();
    tenant = await batchTenant(stack);
  });
  afterAll(async () => {
    worker?.shutdown();
    await workerDone;
    await stack.close();
  });

  it('streams progress while the batch runs, then the end status, then closes', async () => {
    // No worker yet: the batch waits at 0 done, so the first event is known before any work happens.
    const uids = await seedDevices(stack, tenant.tenantId, 30);
    const upload = await uploadCsv(base, tenant.apiKey, csvOf([...uids, 'not-a-uid!']), { mode: 'assign', workflowId: tenant.workflowId });
    const batchId = expectStatus(upload, 202).batchId;

    let starting = false;
    const stream = readEvents(`${base}/v1/batches/${batchId}/events`, tenant.apiKey, (event) => {
      if (event.event === 'progress' && !starting) {
        starting = true;
        void stack.newWorker().then((w) => {
          worker = w;
          workerDone = w.run();
        });
      }
    });
    const { status, contentType, events, durationMs } = await stream;

    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/event-stream/);
    const bodies = events.map((e) => ({ event: e.event, body: JSON.parse(e.data) }));
    expect(bodies[0]!.event).toBe('progress');
    expect(bodies[0]!.body).toMatchObject({ batchId, status: 'RUNNING', progress: { total: 31, done: 1, pending: 30 } });
    const last = bodies[bodies.length - 1]!;
    expect(last.event).toBe('end');
    expect(last.body).toMatchObject({ batchId, status: 'COMPLETED', progress: { total: 31, done: 31, pending: 0 } });
    expect(last.body.countersByCode).toEqual({ OK: 30, INVALID_DEVICE_UID: 1 });
    expect(bodies.filter((b) => b.event === 'end')).toHaveLength(1);
    // Only changes are sent, and never two in the same interval.
    const done = bodies.map((b) => b.body.progress.done as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(done.slice(0, -1)).size).toBe(done.length - 1);
    expect(events.length).toBeLessThanOrEqual(Math.floor(durationMs / EVENT_INTERVAL_MS) + 1);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => String(i + 1)));
  });

  it('sends a finished batch its end event at once and closes', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 2);
    const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId }), 202);
    if (!worker) {
      worker = await stack.newWorker();
      workerDone = worker.run();
    }
    await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
    const { status, events } = await readEvents(`${base}/v1/batches/${upload.batchId}/events`, tenant.apiKey);
    expect(status).toBe(200);
    expect(events.map((e) => [e.event, JSON.parse(e.data).status])).toEqual([['end', 'COMPLETED']]);
  });

  it('is authenticated and scoped to the tenant tree like every /v1 route', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 1);
    const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId }), 202);
    const url = `${base}/v1/batches/${upload.batchId}/events`;
    const other = await createTenantWithKey(stack);
    const readOnly = await createApiKey(stack.pool, tenant.tenantId, 'viewer', 'read_only');
    const gateway = await createApiKey(stack.pool, tenant.tenantId, 'gateway', 'device_gateway');

    const noKey = await fetch(url);
    expect([noKey.status, ((await noKey.json()) as { code: string }).code]).toEqual([401, 'UNAUTHENTICATED']);
    const otherTenant = await fetch(url, { headers: { 'X-API-Key': other.apiKey } });
    expect(otherTenant.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect([otherTenant.status, ((await otherTenant.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
    const asGateway = await fetch(url, { headers: { 'X-API-Key': gateway } });
    expect([asGateway.status, ((await asGateway.json()) as { code: string }).code]).toEqual([403, 'FORBIDDEN']);
    const asReader = await readEvents(url, readOnly);
    expect(asReader.status).toBe(200);
    expect(asReader.events[asReader.events.length - 1]!.event).toBe('end');
  });
});
