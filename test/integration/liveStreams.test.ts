// Live-progress streams cannot starve other tenants and do not outlive their key: all streams of a batch share one
// poller; at most LIVE_STREAMS_PER_KEY per key and LIVE_STREAMS_PER_PROCESS per API process (429 problem+json with
// Retry-After beyond); a revoked key's stream ends with an `error` event within a second; a stream with nothing to
// say ends after LIVE_STREAM_IDLE_MS; the open streams and pollers are in GET /metrics.
import { createApiKey } from '../../dev/inventorySeed';
import { revokeApiKey } from '../../src/tenants/apiKeyStore';
import { keyPrefix } from '../../src/tenants/apiKeys';
import { TestStack, startTestStack, waitFor } from './harness';
import { BatchTenant, batchTenant, csvOf, seedDevices, uploadCsv } from './batchSupport';
import { expectStatus } from './apiClient';
import { OpenStream, openEventStream } from './eventStreamSupport';

const IDLE_MS = 4000;

describe('live-progress streams: limits, revocation, idleness', () => {
  let stack: TestStack;
  let base: string;
  let tenant: BatchTenant;
  const open: OpenStream[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ LIVE_STREAMS_PER_KEY: '3', LIVE_STREAMS_PER_PROCESS: '5', LIVE_STREAM_IDLE_MS: String(IDLE_MS) });
    base = await stack.startApi();
    tenant = await batchTenant(stack);
  });
  afterEach(async () => {
    for (const stream of open.splice(0)) stream.abort();
    await waitFor('every stream closed', async () => (await metric('do_live_progress_clients')) === 0, 10_000);
  });
  afterAll(async () => stack.close());

  /** A batch that stays RUNNING with every device pending: no worker runs in this file. */
  async function runningBatch(): Promise<string> {
    const uids = await seedDevices(stack, tenant.tenantId, 3);
    return expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId }), 202).batchId;
  }
  async function stream(batchId: string, apiKey: string): Promise<OpenStream> {
    const opened = await openEventStream(`${base}/v1/batches/${batchId}/events`, apiKey);
    open.push(opened);
    return opened;
  }
  async function metric(name: string, labels = ''): Promise<number | undefined> {
    const text = await (await fetch(`${base}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? undefined : Number(line.split(' ')[1]);
  }

  it('caps streams per key and per process with 429 problem+json and Retry-After, sharing one poller per batch', async () => {
    const batchId = await runningBatch();
    const otherKey = await createApiKey(stack.pool, tenant.tenantId, 'second-viewer', 'read_only');
    const mine = [await stream(batchId, tenant.apiKey), await stream(batchId, tenant.apiKey), await stream(batchId, tenant.apiKey)];
    expect(mine.map((s) => s.status)).toEqual([200, 200, 200]);

    const overKey = await stream(batchId, tenant.apiKey);
    expect([overKey.status, overKey.contentType, overKey.retryAfter]).toEqual([
      429,
      expect.stringMatching(/^application\/problem\+json/),
      '10',
    ]);
    expect(overKey.problem).toMatchObject({ status: 429, code: 'TOO_MANY_STREAMS', detail: expect.stringContaining('this API key') });

    // Another key still gets its own, until the process's limit of 5.
    const theirs = [await stream(batchId, otherKey), await stream(batchId, otherKey)];
    expect(theirs.map((s) => s.status)).toEqual([200, 200]);
    const overProcess = await stream(batchId, otherKey);
    expect([overProcess.status, overProcess.problem?.code]).toEqual([429, 'TOO_MANY_STREAMS']);
    expect(overProcess.problem?.detail).toContain('this API instance');

    // Five streams on one batch: one poller.
    await waitFor('every stream told', async () => [...mine, ...theirs].every((s) => s.events.length >= 1), 10_000);
    expect(await metric('do_live_progress_clients')).toBe(5);
    expect(await metric('do_live_progress_pollers')).toBe(1);
    expect(await metric('do_live_streams_refused_total', '{limit="per_key"}')).toBe(1);
    expect(await metric('do_live_streams_refused_total', '{limit="per_process"}')).toBe(1);

    // A closed stream frees its place.
    mine[0]!.abort();
    await waitFor('the closed stream to be counted out', async () => (await metric('do_live_progress_clients')) === 4, 10_000);
    expect((await stream(batchId, tenant.apiKey)).status).toBe(200);
  });

  it("ends a revoked key's open stream with an error event within a second", async () => {
    const batchId = await runningBatch();
    const viewer = await createApiKey(stack.pool, tenant.tenantId, 'revoked-viewer', 'read_only');
    const opened = await stream(batchId, viewer);
    await waitFor('the first event', async () => opened.events.length >= 1, 10_000);
    const revokedAt = Date.now();
    await revokeApiKey(stack.pool, keyPrefix(viewer));
    const closedAt = await opened.closed;
    const last = opened.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', detail: expect.stringContaining('revoked') });
    expect(closedAt - revokedAt).toBeLessThan(1000);
    expect((await fetch(`${base}/v1/me`, { headers: { 'X-API-Key': viewer } })).status).toBe(401);
  });

  it('ends a stream that had nothing to send for LIVE_STREAM_IDLE_MS with STREAM_EXPIRED', async () => {
    const batchId = await runningBatch();
    const opened = await stream(batchId, tenant.apiKey);
    const closedAt = await opened.closed;
    expect(opened.events.map((e) => e.event)).toEqual(['progress', 'error']);
    expect(JSON.parse(opened.events[1]!.data)).toMatchObject({ code: 'STREAM_EXPIRED', detail: expect.stringContaining('4 s') });
    expect(closedAt - opened.events[0]!.receivedAt).toBeGreaterThanOrEqual(IDLE_MS - 100);
  });
});
