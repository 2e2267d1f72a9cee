// No stranded batch: with Temporal unreachable an upload (with and without Idempotency-Key) and a retry
// answer 503 and keep the batch; cancel ends a batch that never started; once Temporal answers again the
// reconciler starts every kept batch and each completes exactly once. The API reaches Temporal through a
// TCP gate of this test (closed = unreachable), so the shared Temporal is never stopped.
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { Server, Socket, createConnection, createServer } from 'node:net';
import { AddressInfo } from 'node:net';
import { createApp } from '../../src/platform/http/app';
import { startBatchReconciler } from '../../src/batches/reconciler';
import { createApiDrain } from '../../src/platform/http/drain';
import { DeviceState } from '../../src/devices/states';
import { createLogger } from '../../src/platform/logger';
import { TestStack, startTestStack, waitFor } from './harness';
import { BatchTenant, batchTenant, csvOf, expectExactlyOnce, seedDevices } from './batchSupport';

/** A TCP port that forwards to Temporal while open and refuses connections while closed. */
class TemporalGate {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}
  static async create(targetAddress: string): Promise<TemporalGate> {
    const [host, port] = targetAddress.split(':');
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const free = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    return new TemporalGate({ host: host!, port: Number(port) }, free);
  }
  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.sockets.forEach((s) => s.destroy());
    if (server) await new Promise((resolve) => server.close(resolve));
  }
}

describe('no stranded batch', () => {
  let stack: TestStack;
  let gate: TemporalGate;
  let gatedConnection: Connection;
  let base: string;
  let server: Server;
  let reconciler: { stop(): Promise<void> };
  let worker: Worker;
  let workerDone: Promise<void>;
  let tenant: BatchTenant;

  beforeAll(async () => {
    // The API answers 503 after a second without Temporal (5 s by default).
    stack = await startTestStack({ TEMPORAL_REQUEST_DEADLINE_MS: '1000' });
    gate = await TemporalGate.create(stack.config.temporal.address);
    gatedConnection = Connection.lazy({ address: `127.0.0.1:${gate.port}`, connectTimeout: '1s' });
    const temporal = new Client({ connection: gatedConnection, namespace: stack.config.temporal.namespace });
    const log = createLogger('silent', 'stranded-test');
    const app = createApp({ config: stack.config, pool: stack.pool, mongo: stack.mongo, temporal, log, drain: createApiDrain() });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s as unknown as Server));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    reconciler = startBatchReconciler(
      { config: stack.config, pool: stack.pool, temporal, log },
      { intervalMs: 500, unstartedGraceMs: 0, runningCheckEvery: 4, batchesPerRound: 50 },
    );
    // The worker talks to Temporal directly: only the API's way there is cut.
    worker = await stack.newWorker();
    workerDone = worker.run();
    tenant = await batchTenant(stack);
  });
  afterAll(async () => {
    await reconciler.stop();
    worker.shutdown();
    await workerDone;
    await new Promise((resolve) => server.close(resolve));
    await gate.close();
    await gatedConnection.close().catch(() => undefined);
    await stack.close();
  });

  async function post(path: string, body?: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'X-API-Key': tenant.apiKey, ...(body === undefined ? {} : { 'Content-Type': 'text/csv' }), ...headers },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }
  const upload = (uids: string[], headers: Record<string, string> = {}) =>
    post(`/v1/batches?mode=assign&workflowId=${tenant.workflowId}`, csvOf(uids), headers);
  async function statusOf(batchId: string) {
    const res = await fetch(`${base}/v1/batches/${batchId}`, { headers: { 'X-API-Key': tenant.apiKey } });
    return (await res.json()) as { status: string; retries: number; countersByCode: Record<string, number> };
  }

  it('keeps what was asked while Temporal is unreachable and runs each batch exactly once when it is back', async () => {
    // A finished batch with one failure to retry later: one device is IDLE, so assign refuses it.
    await gate.open();
    const retryUids = await seedDevices(stack, tenant.tenantId, 2);
    await stack.pool.query('UPDATE t_device SET state_id = $3 WHERE tenant_id = $1 AND uid = $2', [
      tenant.tenantId,
      retryUids[1],
      DeviceState.IDLE,
    ]);
    const first = await upload(retryUids);
    expect(first.status).toBe(202);
    const retried = first.body.batchId as string;
    await waitFor('the first batch to finish', async () => (await statusOf(retried)).status === 'COMPLETED');
    expect((await statusOf(retried)).countersByCode).toMatchObject({ OK: 1, WRONG_STATE_DEVICE: 1 });
    await stack.pool.query('UPDATE t_device SET state_id = $3 WHERE tenant_id = $1 AND uid = $2', [
      tenant.tenantId,
      retryUids[1],
      DeviceState.READY_FOR_USE,
    ]);

    await gate.close();
    const plainUids = await seedDevices(stack, tenant.tenantId, 3);
    const keyedUids = await seedDevices(stack, tenant.tenantId, 3);
    const cancelledUids = await seedDevices(stack, tenant.tenantId, 2);
    const plain = await upload(plainUids);
    const keyed = await upload(keyedUids, { 'Idempotency-Key': 'stranded-upload-1' });
    const keyedAgain = await upload(keyedUids, { 'Idempotency-Key': 'stranded-upload-1' });
    const toCancel = await upload(cancelledUids);
    const retry = await post(`/v1/batches/${retried}/retry`);
    for (const answer of [plain, keyed, keyedAgain, toCancel, retry]) {
      expect(answer).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE', batchId: expect.any(String) } });
    }
    expect(keyedAgain.body.batchId).toBe(keyed.body.batchId);
    expect((await statusOf(plain.body.batchId)).status).toBe('CREATED');
    expect(await post(`/v1/batches/${toCancel.body.batchId}/cancel`)).toMatchObject({ status: 202, body: { status: 'CANCELLED' } });

    await gate.open();
    const plainEnd = await waitFor('the plain upload to complete', async () => {
      const s = await statusOf(plain.body.batchId);
      return s.status === 'COMPLETED' ? s : undefined;
    });
    expect(plainEnd.countersByCode).toEqual({ OK: 3 });
    await waitFor('the keyed upload to complete', async () => (await statusOf(keyed.body.batchId)).status === 'COMPLETED');
    const retryEnd = await waitFor('the retry to complete', async () => {
      const s = await statusOf(retried);
      return s.status === 'COMPLETED' ? s : undefined;
    });
    expect(retryEnd).toMatchObject({ retries: 1, countersByCode: { OK: 2 } });

    const repeated = await upload(keyedUids, { 'Idempotency-Key': 'stranded-upload-1' });
    expect(repeated).toMatchObject({ status: 200, body: { batchId: keyed.body.batchId } });
    expect(await expectExactlyOnce(stack, tenant.tenantId, plain.body.batchId, plainUids)).toEqual({ SUCCEEDED: 3 });
    expect(await expectExactlyOnce(stack, tenant.tenantId, keyed.body.batchId, keyedUids)).toEqual({ SUCCEEDED: 3 });
    const { rows: batches } = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action WHERE tenant_id = $1', [
      tenant.tenantId,
    ]);
    expect(batches[0].n).toBe(4);
    // The cancelled batch never ran: its rows ended CANCELLED and no run of it exists.
    expect((await statusOf(toCancel.body.batchId)).countersByCode).toEqual({ CANCELLED: 2 });
    await expect(stack.client.workflow.getHandle(`batch/${toCancel.body.batchId}`).describe()).rejects.toThrow(/not found/i);
  });
});
