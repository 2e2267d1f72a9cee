// `npm run bench:fairness [-- --a-batches 5 --a-devices 4000 --b-devices 20]`: fairness between tenants, measured
// against the running local services (SPEC §9 "Bulk safety"; README "Per-tenant fairness"). One worker process and
// the API on a task queue of their own; tenant B uploads a 20-device batch alone (upload → finished), then tenant A
// uploads five batches of 4,000 and, once they run at full width, B uploads another 20 devices. Prints both times,
// their ratio (goal ≤ 3× and under 30 s), how many of A's devices were decided meanwhile, and the machine's load
// average beside them (the machine is shared). A's batches are cancelled at the end.
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { createApiKey, imeiWithCheckDigit, insertDevices, upsertTenant, upsertWorkflowVersion } from '../dev/inventorySeed';
import { DeviceState } from '../src/devices/states';
import { benchSetup, log, numberArg, startProcess, stopProcess, waitUntil, workflowResult } from './support';

const A_BATCHES = numberArg('--a-batches', 5);
const A_DEVICES = numberArg('--a-devices', 4_000);
const B_DEVICES = numberArg('--b-devices', 20);
const WINDOW = numberArg('--window', 200);
const API_PORT = numberArg('--api-port', 3910);
/** A's devices decided before B uploads beside them: A's batches run at full width by then. */
const A_WARM = numberArg('--a-warm', 1_000);

const line = (k: string, v: string) => console.log(`${k.padEnd(52)} ${v}`);
const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Tenant {
  tenantId: string;
  apiKey: string;
  workflowId: string;
}

let imeiSerial = 0;
function freshUids(n: number): string[] {
  const stamp = String(Date.now() % 1e5).padStart(5, '0');
  return Array.from({ length: n }, () => imeiWithCheckDigit(`87${stamp}${String(imeiSerial++).padStart(7, '0')}`));
}

async function main(): Promise<void> {
  const { env, config, pool, mongo } = await benchSetup('bench-fairness', { apiPort: API_PORT, window: WINDOW });
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const api = await startProcess('api', 'dist/platform/http/server.js', env, () => false);
  const worker = await startProcess('worker', 'dist-bench/bench/batchWorker.js', env, (l) => l === 'ready');
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${API_PORT}/readyz`).catch(() => null))?.ok === true, 30_000);
  const aBatches: string[] = [];
  const a = await tenant(pool, mongo, 'A');
  const b = await tenant(pool, mongo, 'B');
  try {
    const seedStart = Date.now();
    const aUids = freshUids(A_BATCHES * A_DEVICES);
    const [bAlone, bBeside] = [freshUids(B_DEVICES), freshUids(B_DEVICES)];
    await insertDevices(
      pool,
      a.tenantId,
      aUids.map((uid) => ({ uid, stateId: DeviceState.READY_FOR_USE })),
    );
    await insertDevices(
      pool,
      b.tenantId,
      [...bAlone, ...bBeside].map((uid) => ({ uid, stateId: DeviceState.READY_FOR_USE })),
    );
    log(`seeded ${aUids.length + 2 * B_DEVICES} devices in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; window ${WINDOW}`);
    const loadBefore = loadAverage();

    const alone = await timedBatch(pool, temporal, b, bAlone);
    log(`tenant B alone: ${alone.seconds.toFixed(2)} s`);

    for (let i = 0; i < A_BATCHES; i++) aBatches.push(await upload(a, aUids.slice(i * A_DEVICES, (i + 1) * A_DEVICES)));
    await waitUntil(async () => (await decided(pool, aBatches)) >= A_WARM, 300_000);
    const aAtUpload = await decided(pool, aBatches);
    const beside = await timedBatch(pool, temporal, b, bBeside);
    const aDuring = (await decided(pool, aBatches)) - aAtUpload;
    log(`tenant B beside A's batches: ${beside.seconds.toFixed(2)} s`);
    const loadAfter = loadAverage();

    const ratio = beside.seconds / alone.seconds;
    console.log(
      `\nFairness between tenants — tenant B ${B_DEVICES} devices; tenant A ${A_BATCHES} batches of ${A_DEVICES.toLocaleString('en-US')} (window ${WINDOW}); one worker, Temporal at ${config.temporal.address}`,
    );
    line('tenant B alone (upload → finished)', `${alone.seconds.toFixed(2)} s (${alone.result})`);
    line(`tenant B while A's ${A_BATCHES} batches run`, `${beside.seconds.toFixed(2)} s (${beside.result})`);
    line('ratio', `${ratio.toFixed(2)}× (goal ≤ 3×, and under 30 s)`);
    line("tenant A's devices decided during B's run", `${aDuring} (A had decided ${aAtUpload} when B uploaded)`);
    line('load average (1, 5, 15 min) before / after', `${loadBefore} / ${loadAfter}`);
  } finally {
    await Promise.all(aBatches.map((id) => cancel(temporal, a, id)));
    await stopProcess(worker);
    await stopProcess(api);
    await Promise.all([pool.end(), mongo.client.close(), connection.close()]);
  }

  async function upload(t: Tenant, uids: string[]): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${API_PORT}/v1/batches?mode=assign&workflowId=${t.workflowId}`, {
      method: 'POST',
      headers: { 'X-API-Key': t.apiKey, 'Content-Type': 'text/csv' },
      body: `deviceUid\n${uids.join('\n')}\n`,
    });
    const answer = (await res.json()) as { batchId: string };
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(answer)}`);
    return answer.batchId;
  }

  /** Uploads a batch and waits for its end: seconds from the upload to its finished_at, and its result. */
  async function timedBatch(pool: Pool, client: Client, t: Tenant, uids: string[]) {
    const start = Date.now();
    const batchId = await upload(t, uids);
    const result = await workflowResult<{ status: string; byCode: Record<string, number> }>(client, `batch/${batchId}`);
    const { rows } = await pool.query('SELECT finished_at FROM t_batch_action WHERE id = $1', [batchId]);
    return {
      seconds: (new Date(rows[0].finished_at).getTime() - start) / 1000,
      result: `${result.status} ${JSON.stringify(result.byCode)}`,
    };
  }
}

async function tenant(pool: Pool, mongo: Awaited<ReturnType<typeof benchSetup>>['mongo'], name: string): Promise<Tenant> {
  const tenantId = `bench-${name.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  await upsertTenant(pool, tenantId, `Benchmark tenant ${name}`);
  const apiKey = await createApiKey(pool, tenantId, 'bench', 'operator');
  const workflowId = await upsertWorkflowVersion(mongo, { name: `Benchmark workflow ${name}`, tenantId, serviceTypeId: 1 });
  return { tenantId, apiKey, workflowId };
}

async function decided(pool: Pool, batchIds: string[]): Promise<number> {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM t_batch_action_device WHERE batch_action_id = ANY($1) AND status <> 'PENDING'`,
    [batchIds],
  );
  return rows[0].n;
}

/** Cancels one of A's batches through the API (its running children cancelled, its rows closed) and waits for its end. */
async function cancel(client: Client, t: Tenant, batchId: string): Promise<void> {
  await fetch(`http://127.0.0.1:${API_PORT}/v1/batches/${batchId}/cancel`, { method: 'POST', headers: { 'X-API-Key': t.apiKey } });
  await workflowResult(client, `batch/${batchId}`).catch(() => undefined);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
