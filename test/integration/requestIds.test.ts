// Errors tell callers what to do, logs tell operators why: every answer carries an X-Request-Id (the
// caller's when it is sane), problems name it, and the log line with the underlying error carries the
// same id; no driver or Temporal text reaches an answer (readiness and a failed batch start, with
// Temporal unreachable).
import { Client, Connection } from '@temporalio/client';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp } from '../../src/platform/http/app';
import { createApiDrain } from '../../src/platform/http/drain';
import { createApiKey, upsertTenant, upsertWorkflowVersion, imeiWithCheckDigit } from '../../dev/inventorySeed';
import { TestStack, startTestStack } from './harness';

describe('request ids and error texts', () => {
  let stack: TestStack;
  let server: Server;
  let base: string;
  let apiKey: string;
  let workflowId: string;
  const logLines: Record<string, unknown>[] = [];
  let unreachable: Connection;

  beforeAll(async () => {
    stack = await startTestStack();
    // Nothing listens on port 1: every Temporal call fails as when the service is down.
    unreachable = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' });
    const log = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
          done();
        },
      }),
    );
    const app = createApp({
      config: stack.config,
      pool: stack.pool,
      mongo: stack.mongo,
      temporal: new Client({ connection: unreachable, namespace: stack.config.temporal.namespace }),
      log,
      drain: createApiDrain(),
    });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const tenantId = stack.uniqueId('reqid');
    await upsertTenant(stack.pool, tenantId, 'Request-id tenant');
    apiKey = await createApiKey(stack.pool, tenantId, 'op', 'operator');
    workflowId = await upsertWorkflowVersion(stack.mongo, { name: 'Request-id policy', tenantId, serviceTypeId: 1 });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await unreachable.close().catch(() => undefined);
    await stack.close();
  });

  const logsOf = (requestId: string) => logLines.filter((line) => line.requestId === requestId);
  const driverText = /ECONNREFUSED|14 UNAVAILABLE|grpc|127\.0\.0\.1:1\b|connection established|socket|deadline|Error:/i;

  it('echoes a sane X-Request-Id and replaces anything else with a fresh one', async () => {
    const echoed = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'client-req.42:a_b' } });
    expect(echoed.headers.get('x-request-id')).toBe('client-req.42:a_b');
    const replaced = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'x'.repeat(200) } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await fetch(`${base}/v1/me`);
    const problem = (await generated.json()) as { requestId: string };
    expect(generated.status).toBe(401);
    expect(problem.requestId).toBe(generated.headers.get('x-request-id'));
    expect(logsOf(problem.requestId).map((line) => line.msg)).toContain('request');
  });

  it('readiness names the service down, not its error, and logs the error under the request id', async () => {
    const res = await fetch(`${base}/readyz`, { headers: { 'X-Request-Id': 'readyz-probe-1' } });
    const text = await res.text();
    expect(res.status).toBe(503);
    expect(JSON.parse(text)).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      checks: { temporal: expect.stringMatching(/^(unreachable|timeout)$/), postgresql: 'ok', mongodb: 'ok' },
      requestId: 'readyz-probe-1',
    });
    expect(text).not.toMatch(driverText);
    const logged = logsOf('readyz-probe-1').find((line) => line.check === 'temporal');
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toMatch(/err/);
  });

  it('a batch that cannot be started answers 503 with what to do; the Temporal error is only in the log', async () => {
    const uid = imeiWithCheckDigit(`358${Date.now().toString().slice(-8)}001`);
    const res = await fetch(`${base}/v1/batches?mode=assign&workflowId=${workflowId}`, {
      method: 'POST',
      headers: { 'X-API-Key': apiKey, 'Content-Type': 'text/csv', 'X-Request-Id': 'upload-while-down-1' },
      body: `deviceUid\n${uid}\n`,
    });
    const text = await res.text();
    expect(res.status).toBe(503);
    const problem = JSON.parse(text) as { batchId: string; detail: string; requestId: string };
    expect(problem.detail).toContain('starts by itself once the service is back');
    expect(problem.requestId).toBe('upload-while-down-1');
    expect(text).not.toMatch(driverText);
    const logged = logsOf('upload-while-down-1').find((line) => line.code === 'SERVICE_UNAVAILABLE');
    expect(logged?.err).toBeDefined();
  });
});
