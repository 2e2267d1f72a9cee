// SIGTERM on the real entry points (docs/reliability.md, "Graceful shutdown"). The API, mid-upload (receiving
// without holding a database connection):
// the upload is stored whole (202) or refused with 503 leaving nothing behind, new requests and
// /readyz get 503 with `Connection: close`, and the process exits 0. The worker, mid-activity:
// in-flight activities finish before it exits 0, and a new worker completes the batch exactly once.
import http from 'node:http';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { batchAssign } from '../../src/batches/batchAssignWorkflow';
import { TestStack, startTestStack, waitFor } from './harness';
import { batchTenant, csvOf, doneRowCount, expectExactlyOnce, freshImei, seedDevices, uploadCsv } from './batchSupport';
import { expectStatus } from './apiClient';
import {
  EntryPointProcess,
  buildEntryPoints,
  freePort,
  httpRequest,
  spawnEntryPoint,
  streamingRequest,
  waitForProcess,
} from './processSupport';

jest.setTimeout(120_000);

const UPLOAD_ROWS = 50_000;
const ROWS_PER_WRITE = 1_000;

describe('graceful shutdown', () => {
  let stack: TestStack;
  const processes: EntryPointProcess[] = [];
  /** The API processes' temporary folders, removed with them. */
  const tempDirs: string[] = [];

  beforeAll(async () => {
    [stack] = await Promise.all([startTestStack(), buildEntryPoints()]);
  }, 180_000);
  afterAll(async () => {
    processes.forEach((p) => p.kill());
    await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    await stack.close();
  });

  describe('API', () => {
    /**
     * The API process on a port of its own; its PostgreSQL sessions are named and its temporary files go to
     * a folder of its own, so the test can watch both.
     */
    async function startApi(env: Record<string, string>) {
      const port = await freePort();
      const sessionName = stack.uniqueId('api');
      const tempDir = await mkdtemp(join(tmpdir(), 'api-shutdown-'));
      tempDirs.push(tempDir);
      const databaseUrl = new URL(stack.config.postgres.url);
      databaseUrl.searchParams.set('application_name', sessionName);
      const api = spawnEntryPoint('platform/http/server.js', {
        API_PORT: String(port),
        DATABASE_URL: databaseUrl.toString(),
        // Not the worker test's queue: the batches uploaded here must never run.
        TASK_QUEUE: `${stack.taskQueue}-api`,
        LOG_LEVEL: 'info',
        TMPDIR: tempDir,
        ...env,
      });
      processes.push(api);
      const base = `http://127.0.0.1:${port}`;
      await waitForProcess(api, 'the API to be ready', async () => (await httpRequest(`${base}/readyz`).catch(() => null))?.status === 200);
      return { api, base, sessionName, tempDir };
    }

    /** Sends the header and the first `rows` of a 50,000-row CSV, slowly; the rest is sent by `finish`. */
    async function startSlowUpload(base: string, apiKey: string, workflowId: string, rows: number) {
      const upload = streamingRequest(`${base}/v1/batches?mode=assign&workflowId=${workflowId}`, {
        'X-API-Key': apiKey,
        'Content-Type': 'text/csv',
      });
      const uids = Array.from({ length: UPLOAD_ROWS }, () => freshImei());
      let sent = 0;
      const send = async (until: number) => {
        for (; sent < until; sent += ROWS_PER_WRITE) await upload.write(uids.slice(sent, sent + ROWS_PER_WRITE).join('\n') + '\n');
      };
      await upload.write('deviceUid\n');
      await send(rows);
      return { upload, finish: () => send(UPLOAD_ROWS).then(() => upload.end()) };
    }

    it('lets an upload in flight finish (202, every row stored), refuses new requests with 503 and Connection: close, exits 0', async () => {
      const tenant = await batchTenant(stack);
      const graceMs = 20_000;
      const { api, base, sessionName, tempDir } = await startApi({ API_SHUTDOWN_GRACE_MS: String(graceMs) });
      const { upload, finish } = await startSlowUpload(base, tenant.apiKey, tenant.workflowId, 10_000);
      await waitFor('the upload to be receiving rows', () => uploadIsReceiving(tempDir));
      expect(await transactionsOpen(stack.pool, sessionName)).toBe(0); // receiving holds no database connection
      const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const before = await httpRequest(`${base}/healthz`, { agent: keepAlive });
      expect(before).toMatchObject({ status: 200, headers: { connection: 'keep-alive' } });

      const signalledAt = Date.now();
      api.child.kill('SIGTERM');
      const notReady = await waitFor('/readyz to answer 503', async () => {
        const answer = await httpRequest(`${base}/readyz`);
        return answer.status === 503 ? answer : undefined;
      });
      expectShuttingDown(notReady);
      const onKeptAlive = await httpRequest(`${base}/v1/me`, { agent: keepAlive, headers: { 'X-API-Key': tenant.apiKey } });
      expect(onKeptAlive.reusedSocket).toBe(true);
      expectShuttingDown(onKeptAlive);
      const newUpload = await httpRequest(`${base}/v1/batches?mode=assign&workflowId=${tenant.workflowId}`, {
        method: 'POST',
        headers: { 'X-API-Key': tenant.apiKey, 'Content-Type': 'text/csv' },
        body: csvOf([freshImei()]),
      });
      expectShuttingDown(newUpload);

      await finish();
      const answer = await upload.answer;
      expect(answer).toMatchObject({
        status: 202,
        headers: { connection: 'close' },
        body: { rows: { total: UPLOAD_ROWS, accepted: UPLOAD_ROWS } },
      });
      const exit = await api.exited;
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(exit.at - signalledAt).toBeLessThan(graceMs); // it left when the upload was done, not at the deadline
      await expect(httpRequest(`${base}/healthz`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });

      const stored = await stack.pool.query(
        `SELECT b.id, count(d.row_number)::int AS rows FROM t_batch_action b LEFT JOIN t_batch_action_device d ON d.batch_action_id = b.id
          WHERE b.tenant_id = $1 GROUP BY b.id`,
        [tenant.tenantId],
      );
      expect(stored.rows).toEqual([{ id: answer.body.batchId, rows: UPLOAD_ROWS }]);
      await stack.client.workflow.getHandle(`batch/${answer.body.batchId}`).terminate('graceful-shutdown test: never meant to run');
    });

    it('refuses an upload still arriving when the grace period ends: 503 problem+json, nothing stored, exits 0', async () => {
      const tenant = await batchTenant(stack);
      const { api, base, sessionName, tempDir } = await startApi({ API_SHUTDOWN_GRACE_MS: '1000' });
      const { upload } = await startSlowUpload(base, tenant.apiKey, tenant.workflowId, 10_000);
      await waitFor('the upload to be receiving rows', () => uploadIsReceiving(tempDir));
      expect(await transactionsOpen(stack.pool, sessionName)).toBe(0);

      api.child.kill('SIGTERM'); // and the client sends nothing more
      const answer = await upload.answer;
      upload.destroy();
      expectShuttingDown(answer);
      expect(answer.body.detail).toMatch(/upload did not finish in time; nothing was stored/);
      expect(await api.exited).toMatchObject({ code: 0, signal: null });

      const batches = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action WHERE tenant_id = $1', [tenant.tenantId]);
      const rows = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action_device WHERE tenant_id = $1', [tenant.tenantId]);
      expect({ batches: batches.rows[0].n, rows: rows.rows[0].n }).toEqual({ batches: 0, rows: 0 });
    });
  });

  describe('worker', () => {
    it('finishes its in-flight activities before exiting 0; a new worker completes the batch exactly once', async () => {
      const tenant = await batchTenant(stack);
      const uids = await seedDevices(stack, tenant.tenantId, 6);
      stack.config.batch.windowSize = 2;
      const base = await stack.startApi();
      const upload = await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'assign', workflowId: tenant.workflowId });
      const batchId = expectStatus(upload, 202).batchId;

      // Holding the batch's rows keeps each assignDevice activity waiting on its row lock: in flight
      // for as long as the test needs, without any test-only code in the worker.
      const holder = await stack.pool.connect();
      let worker: EntryPointProcess | undefined;
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT row_number FROM t_batch_action_device WHERE batch_action_id = $1 FOR UPDATE', [batchId]);
        const holderPid: number = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
        const metricsAddress = `127.0.0.1:${await freePort()}`;
        worker = spawnEntryPoint('platform/worker/main.js', {
          TASK_QUEUE: stack.taskQueue,
          LOG_LEVEL: 'info',
          WORKER_SHUTDOWN_GRACE_MS: '20000',
          WORKER_METRICS_ADDRESS: metricsAddress,
          // Required by the worker; a batch sends no gateway command, so nothing answers there.
          GATEWAY_URL: 'http://127.0.0.1:9',
        });
        processes.push(worker);
        await waitForProcess(worker, 'two assignDevice activities in flight', async () => {
          const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [
            holderPid,
          ]);
          return rows[0].n === 2;
        });
        // Its Temporal SDK metrics, as Prometheus scrapes them: the activities it has taken, their slots.
        const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
        expect(metrics).toMatch(/^temporal_activity_schedule_to_start_latency_count\{.*\} [1-9]/m);
        expect(metrics).toMatch(/^temporal_worker_task_slots_used\{/m);

        worker.child.kill('SIGTERM');
        const draining = await waitForProcess(worker, 'the worker to start draining', async () => worker!.logged('worker draining'));
        expect(draining).toMatchObject({ signal: 'SIGTERM', graceMs: 20_000 });
        expect(worker.child.exitCode).toBeNull(); // still there: its two activities are not done
        await holder.query('COMMIT');
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        holder.release();
      }

      const exit = await worker.exited;
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(worker.logged('worker stopped')).toBeDefined();
      // No other worker was running: the two results were written by the draining worker's activities,
      // and it took no new work after the signal.
      expect(await doneRowCount(stack, batchId)).toBe(2);

      const next = await stack.newWorker();
      const result = await next.runUntil(stack.client.workflow.getHandle<typeof batchAssign>(`batch/${batchId}`).result());
      expect(result).toMatchObject({ status: 'COMPLETED', total: 6, byCode: { OK: 6 } });
      expect(await expectExactlyOnce(stack, tenant.tenantId, batchId, uids)).toEqual({ SUCCEEDED: 6 });
    });
  });
});

/** The API (with TMPDIR `tempDir`) has staged received rows to a file. */
async function uploadIsReceiving(tempDir: string): Promise<boolean> {
  for (const entry of await readdir(tempDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && (await stat(join(entry.parentPath, entry.name))).size > 0) return true;
  }
  return false;
}

/** Open transactions of the API's PostgreSQL sessions (named `sessionName`). */
async function transactionsOpen(pool: Pool, sessionName: string): Promise<number> {
  const { rows } = await pool.query(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL',
    [sessionName],
  );
  return rows[0].n;
}

function expectShuttingDown(answer: { status: number; headers: http.IncomingHttpHeaders; body: any }): void {
  expect(answer.status).toBe(503);
  expect(answer.headers['content-type']).toContain('application/problem+json');
  expect(answer.headers.connection).toBe('close');
  expect(answer.body).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
}
