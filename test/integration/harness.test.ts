// The harness end to end: a workflow on the real Temporal dev server, run by our worker, writes
// and reads real PostgreSQL and MongoDB; the API answers health and readiness.
import { DeviceState } from '../../src/devices/states';
import { imeiWithCheckDigit, insertDevices, upsertTenant } from '../../dev/inventorySeed';
import { storesProbe } from '../workflows/storesProbe';
import { ensureMongoIndexes } from '../../src/platform/db/mongo';
import { Client } from 'pg';
import { TestStack, createTenantWithKey, startTestStack } from './harness';

describe('harness: Temporal + PostgreSQL + MongoDB + API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack.close());

  it('runs a workflow that registers a device in PostgreSQL and ensures its MongoDB document', async () => {
    const tenantId = stack.uniqueId('tenant');
    await upsertTenant(stack.pool, tenantId, 'Harness tenant');
    const uid = imeiWithCheckDigit('35000000000001');
    await insertDevices(stack.pool, tenantId, [{ uid, stateId: DeviceState.IDLE }]);

    const worker = await stack.newWorker();
    const result = await worker.runUntil(
      stack.client.workflow.execute(storesProbe, {
        taskQueue: stack.taskQueue,
        workflowId: `stores-probe/${tenantId}`,
        args: [{ tenantId, deviceUid: uid }],
      }),
    );

    expect(result).toEqual({
      stateBefore: DeviceState.IDLE,
      stateAfter: DeviceState.READY_FOR_USE,
      registered: true,
      message: null,
      documentHasWorkflow: false,
    });
    const history = await stack.pool.query(
      `SELECT h.milestone_type, h.from_state_id, h.to_state_id, h.source FROM t_device_history h
         JOIN t_device d ON d.id = h.device_id WHERE d.tenant_id = $1`,
      [tenantId],
    );
    expect(history.rows).toEqual([{ milestone_type: 'REGISTER', from_state_id: 1, to_state_id: 2, source: 'SYSTEM' }]);
    expect(await stack.mongo.devices.countDocuments({ tenant_id: tenantId, device_uid: uid })).toBe(1);
  });

  it('answers /healthz, /readyz with all three services, and refuses /v1 without a key', async () => {
    const base = await stack.startApi();
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { temporal: 'ok', postgresql: 'ok', mongodb: 'ok' } });

    const anonymous = await fetch(`${base}/v1/me`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });

    const { tenantId, apiKey } = await createTenantWithKey(stack);
    const me = await fetch(`${base}/v1/me`, { headers: { 'X-API-Key': apiKey } });
    expect(await me.json()).toMatchObject({ tenantId, role: 'operator', tenantTree: [tenantId] });
  });

  // With FerretDB on PostgreSQL (our machines, CI), lookups by _id and by the filtered fields must use
  // an index rather than scan the collection; with a real MongoDB (no FERRETDB_POSTGRES_URL) there
  // is nothing to add and ensureMongoIndexes must still succeed.
  it('gives FerretDB on PostgreSQL an index for every filtered field (a real MongoDB needs none)', async () => {
    const url = process.env.FERRETDB_POSTGRES_URL;
    await expect(ensureMongoIndexes(stack.mongo, { ferretdbPostgresUrl: url ?? null })).resolves.toBeUndefined();
    if (!url) {
      const info = await stack.mongo.db.admin().command({ buildInfo: 1 });
      expect(info.ferretdbVersion).toBeUndefined();
      return;
    }
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const schema = stack.mongo.db.databaseName;
      const { rows } = await client.query<{ indexname: string }>(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'devices%do_gin' ORDER BY indexname`,
        [schema],
      );
      expect(rows.map((r) => r.indexname.replace(/^devices_[0-9a-f]+_/, ''))).toEqual([
        'deviceuid_do_gin',
        'id_do_gin',
        'tenantid_do_gin',
        'workflowversionid_do_gin',
      ]);
      const table = rows[0].indexname.match(/^devices_[0-9a-f]+/)![0];
      // The statement FerretDB sends for findOne({ _id }) (its parameters substituted). The test
      // collection is small enough for a scan to be cheaper: the question is whether an index can serve it.
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(`EXPLAIN SELECT _jsonb FROM "${schema}"."${table}" WHERE _jsonb -> '_id' @> '"t/1"'`);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan on devices_[0-9a-f]+_id_do_gin/);
    } finally {
      await client.end();
    }
  });
});

describe('readiness names the service that is down', () => {
  it('answers 503 naming PostgreSQL when it cannot be reached', async () => {
    const { createApp } = await import('../../src/platform/http/app');
    const { createPgPool } = await import('../../src/platform/db/postgres');
    const { createLogger } = await import('../../src/platform/logger');
    const { createApiDrain } = await import('../../src/platform/http/drain');
    const stack = await startTestStack();
    // A pool aimed at a closed port stands in for a stopped PostgreSQL without disturbing others.
    const deadPool = createPgPool('postgres://postgres@127.0.0.1:1/none', 1);
    const app = createApp({
      config: stack.config,
      pool: deadPool,
      mongo: stack.mongo,
      temporal: stack.client,
      log: createLogger('silent', 't'),
      drain: createApiDrain(),
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const { port } = server.address() as import('node:net').AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const body = (await res.json()) as { detail: string; requestId: string };
      // The service and how it failed; the driver's error (ECONNREFUSED …) only in the log.
      expect(body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', checks: { temporal: 'ok', mongodb: 'ok', postgresql: 'unreachable' } });
      expect(body.detail).toBe(`not ready: postgresql (unreachable); see the API's log for request ${body.requestId}`);
      expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
    } finally {
      await new Promise((r) => server.close(r));
      await deadPool.end();
      await stack.close();
    }
  });
});
