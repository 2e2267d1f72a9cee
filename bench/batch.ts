// `npm run bench:batch -- --devices N [--window W] [--workers K] [--max-failures F] [--action ACTIVATE [--webhook]] [--no-ceiling | --ceiling-only | --upload-only [--repeat N] [--preview]]`: BatchAssign end to end against
// the running local services. Starts a worker and the API as child processes on a task queue of
// their own, seeds N READY_FOR_USE devices in a fresh tenant, uploads the CSV through the API,
// waits for the end and prints: upload-to-202 latency, end-to-end seconds, devices/s, the longest
// history of any parent run, peak memory (VmHWM) of worker and API. Then the same N with children
// that do no work (the ceiling of the parent + child machinery), and our share of that ceiling.
// --upload-only prints the upload's time to 202 beside two floors (bench/uploadFloor.ts: the same rows COPYed bare
// into the batch-row table, and into a plain table without indexes: the physical floor) and the ratios;
// --repeat N measures N such pairs one after the other and prints the median ratio too; with --preview the uploads
// are previews (preview=true: stored and every row predicted, nothing started; 201).
// --action ACTIVATE uploads a state-action batch (every device's state changes: a device.state_changed event each
// for a tenant subscribed to it); --webhook subscribes the tenant first (device.state_changed, batch.finished) with
// a local receiver and prints how long after the batch's end the receiver had every event.
import { Client, Connection } from '@temporalio/client';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { startBatchRun } from '../src/batches/runs';
import { findBatch } from '../src/batches/store';
import { createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion, imeiWithCheckDigit } from '../dev/inventorySeed';
import { DeviceState } from '../src/devices/states';
import { BatchAssignResult } from '../src/batches/batchAssignWorkflow';
import { noWorkTaskQueue } from './batchWorker';
import { measureUploadFloor } from './uploadFloor';
import { benchSetup, log, numberArg, peakRssMb, startProcess, stopProcess, waitUntil, workflowResult } from './support';
import { longestRunHistory } from '../dev/runHistories';

const DEVICES = numberArg('--devices', 10_000);
const WINDOW = numberArg('--window', 200);
const API_PORT = numberArg('--api-port', 3900);
/** Worker processes serving the batch (and the no-work ceiling) together: scale-out on a Temporal cluster. */
const WORKERS = numberArg('--workers', 1);
const ceiling = !process.argv.includes('--no-ceiling');
/** Only the no-work ceiling: the uploaded batch is terminated before any worker runs it. */
const ceilingOnly = process.argv.includes('--ceiling-only');
/** Only the upload (→ 202 latency, API peak memory): its batch is terminated before any worker runs it. */
const uploadOnly = process.argv.includes('--upload-only');
/** With --upload-only: how many (upload, floor) pairs, one after the other. */
const REPEAT = numberArg('--repeat', 1);
/** With --upload-only: upload as a preview (every row predicted from the inventory, nothing started). */
const preview = process.argv.includes('--preview');
/** A state action for every device instead of an assignment (mode=action). */
const ACTION = process.argv.includes('--action') ? process.argv[process.argv.indexOf('--action') + 1]! : null;
/** With --action: the tenant subscribes a local receiver to the batch's events. */
const webhook = process.argv.includes('--webhook');
/** Upload with maxFailures=F (a batch with a threshold opens its window gradually: the ramp's cost); -1: none. */
const MAX_FAILURES = numberArg('--max-failures', -1);

interface Upload {
  start: number;
  ms: number;
  batchId: string;
}

const line = (k: string, v: string) => console.log(`${k.padEnd(44)} ${v}`);

/**
 * --upload-only: REPEAT pairs of an upload and the floor (the same rows inserted bare), one pair after
 * the other so that the shared machine's load weighs on both alike; each pair's ratio and the median.
 * The uploaded batches are terminated at once and their rows removed at the end.
 */
async function uploadVsFloor(input: {
  upload: () => Promise<Upload>;
  temporal: Client;
  pool: Pool;
  tenantId: string;
  uids: string[];
  csvMb: number;
}): Promise<void> {
  const pairs: { uploadMs: number; tableMs: number; plainMs: number; ratio: number }[] = [];
  const batchIds: string[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const { ms, batchId } = await input.upload();
    batchIds.push(batchId);
    if (!preview) await input.temporal.workflow.getHandle(`batch/${batchId}`).terminate('benchmark: upload only');
    const floor = await measureUploadFloor(input.pool, input.tenantId, input.uids);
    pairs.push({ uploadMs: ms, ...floor, ratio: ms / floor.plainMs });
  }
  await input.pool.query('DELETE FROM t_batch_action_device WHERE batch_action_id = ANY($1)', [batchIds]);
  await input.pool.query('DELETE FROM t_batch_action WHERE id = ANY($1)', [batchIds]);
  console.log(`\nUpload benchmark — ${DEVICES.toLocaleString('en-US')} rows (${input.csvMb.toFixed(2)} MB CSV)`);
  for (const [i, pair] of pairs.entries()) {
    const label = pairs.length > 1 ? ` (${i + 1}${i === 0 ? ', API just started' : ''})` : '';
    const what = preview ? 'upload → 201 (HTTP, parse, validate, store, predict)' : 'upload → 202 (HTTP, parse, validate, store, start)';
    line(`${what}${label}`, `${pair.uploadMs} ms`);
    line('bare COPY into the batch-row table', `${pair.tableMs.toFixed(0)} ms`);
    line('floor: bare COPY into a plain table', `${pair.plainMs.toFixed(0)} ms (no index, key or constraint)`);
    line('upload / floor', `${pair.ratio.toFixed(2)}× (goals: 100,000 rows ≤ 500 ms, 1,000,000 ≤ 4,000 ms)`);
  }
  if (pairs.length > 1) {
    const ratios = pairs.map((p) => p.ratio).sort((a, b) => a - b);
    line('median upload / floor', `${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}× over ${pairs.length} pairs`);
  }
}

async function main(): Promise<void> {
  const { env, config, pool, mongo } = await benchSetup('bench-batch', { apiPort: API_PORT, window: WINDOW });
  const connection = await Connection.connect({ address: config.temporal.address });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });

  const api = await startProcess('api', 'dist/platform/http/server.js', env, () => false);
  let workers: ChildProcess[] = [];
  const startWorker = async () => {
    workers = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) =>
        startProcess(`worker-${i + 1}`, 'dist-bench/bench/batchWorker.js', env, (line) => line === 'ready'),
      ),
    );
  };
  if (!ceilingOnly && !uploadOnly) await startWorker();
  await waitUntil(async () => (await fetch(`http://127.0.0.1:${API_PORT}/readyz`).catch(() => null))?.ok === true, 30_000);
  try {
    const tenantId = `bench-${randomUUID().slice(0, 8)}`;
    await upsertTenant(pool, tenantId, 'Benchmark tenant');
    const apiKey = await createApiKey(pool, tenantId, 'bench', 'operator');
    const workflowId = await upsertWorkflowVersion(mongo, { name: 'Benchmark workflow', tenantId, serviceTypeId: 1 });
    const uids = Array.from({ length: DEVICES }, (_, i) =>
      imeiWithCheckDigit(`86${String(Date.now() % 1e6).padStart(6, '0')}${String(i).padStart(6, '0')}`),
    );
    const seedStart = Date.now();
    await insertDevices(
      pool,
      tenantId,
      uids.map((uid) => ({ uid, stateId: DeviceState.READY_FOR_USE })),
    );
    log(
      `seeded ${DEVICES} devices in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; window ${WINDOW}, children per run ${config.batch.childrenPerRun}`,
    );

    const csv = `deviceUid\n${uids.join('\n')}\n`;
    const upload = async (): Promise<Upload> => {
      const start = Date.now();
      const previewQuery = preview ? '&preview=true' : '';
      const threshold = MAX_FAILURES >= 0 ? `&maxFailures=${MAX_FAILURES}` : '';
      const mode = ACTION ? `mode=action&action=${ACTION}` : `mode=assign&workflowId=${workflowId}`;
      const res = await fetch(`http://127.0.0.1:${API_PORT}/v1/batches?${mode}${previewQuery}${threshold}`, {
        method: 'POST',
        headers: { 'X-API-Key': apiKey, 'Content-Type': 'text/csv' },
        body: csv,
      });
      const ms = Date.now() - start;
      const answer = (await res.json()) as { batchId: string; rows: unknown; predicted?: unknown };
      if (res.status !== (preview ? 201 : 202)) throw new Error(`upload answered ${res.status}: ${JSON.stringify(answer)}`);
      log(
        `upload of ${(csv.length / 1e6).toFixed(2)} MB answered ${res.status} in ${ms} ms: ${JSON.stringify(answer.rows)} ${JSON.stringify(answer.predicted ?? '')}`,
      );
      return { start, ms, batchId: answer.batchId };
    };
    if (uploadOnly) {
      await uploadVsFloor({ upload, temporal, pool, tenantId, uids, csvMb: csv.length / 1e6 });
      line('API peak memory', `${peakRssMb(api)} MB`);
      return;
    }
    const receiver = webhook ? await subscribeReceiver(apiKey) : null;
    const { start: uploadStart, ms: uploadMs, batchId: uploadedBatchId } = await upload();
    let real: BatchAssignResult | null = null;
    let realSeconds = 0;
    let realLongest = 0;
    if (ceilingOnly) {
      await temporal.workflow.getHandle(`batch/${uploadedBatchId}`).terminate('benchmark: ceiling only');
      await startWorker();
    } else {
      real = await workflowResult<BatchAssignResult>(temporal, `batch/${uploadedBatchId}`);
      realSeconds = ((await finishedAt(pool, uploadedBatchId)) - uploadStart) / 1000;
      realLongest = await longestRunHistory(temporal, `batch/${uploadedBatchId}`);
    }
    const memory = { worker: Math.max(...workers.map(peakRssMb)), api: peakRssMb(api) };

    let ceilingSeconds: number | null = null;
    let ceilingResult: BatchAssignResult | null = null;
    let ceilingLongest = 0;
    if (ceiling || ceilingOnly) {
      const batchId = await copyBatch(pool, uploadedBatchId);
      const batch = (await findBatch(pool, batchId, [tenantId]))!;
      const start = Date.now();
      const noWork = { ...config, temporal: { ...config.temporal, taskQueue: noWorkTaskQueue(config.temporal.taskQueue) } };
      await startBatchRun({ config: noWork, pool, temporal }, batch, 0);
      ceilingResult = await workflowResult<BatchAssignResult>(temporal, `batch/${batchId}`);
      ceilingSeconds = (Date.now() - start) / 1000;
      ceilingLongest = await longestRunHistory(temporal, `batch/${batchId}`);
    }

    const on = `${WORKERS} worker process${WORKERS === 1 ? '' : 'es'}, Temporal at ${config.temporal.address}`;
    console.log(`\nBatchAssign benchmark — ${DEVICES.toLocaleString('en-US')} devices, window ${WINDOW}, ${on}`);
    line('upload → 202', `${uploadMs} ms`);
    if (real) {
      line('end to end (upload → finished)', `${realSeconds.toFixed(1)} s`);
      line('throughput', `${(DEVICES / realSeconds).toFixed(0)} devices/s`);
      line('result', `${real.status} ${JSON.stringify(real.byCode)}`);
      line('parent runs / longest run history', `${real.runs} runs, ${realLongest} events (limit 51,200)`);
      line(`peak memory worker${WORKERS === 1 ? '' : ' (largest)'} / API`, `${memory.worker} MB / ${memory.api} MB`);
    }
    if (receiver) {
      const all = await receiver.allReceived(DEVICES + 1);
      line('webhook events received (distinct ids)', `${all.events} of ${DEVICES + 1}, ${all.requests} requests`);
      line('  every event received, after the batch end', `${((all.at - uploadStart) / 1000 - realSeconds).toFixed(1)} s`);
      receiver.close();
    }
    if (ceilingSeconds !== null && ceilingResult) {
      line(
        'no-work ceiling',
        `${ceilingSeconds.toFixed(1)} s, ${(DEVICES / ceilingSeconds).toFixed(0)} devices/s (${ceilingResult.runs} runs, longest ${ceilingLongest} events)`,
      );
      if (real) line('our share of the ceiling', `${((ceilingSeconds / realSeconds) * 100).toFixed(0)} %`);
    }
  } finally {
    await Promise.all(workers.map(stopProcess));
    await stopProcess(api);
    await Promise.all([pool.end(), mongo.client.close(), connection.close()]);
  }
}

/** A local receiver subscribed through the API to the batch's events; counts the distinct event ids it gets. */
async function subscribeReceiver(apiKey: string) {
  const ids = new Set<string>();
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    const id = req.headers['webhook-id'];
    if (typeof id === 'string') ids.add(id);
    req.resume().on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  const res = await fetch(`http://127.0.0.1:${API_PORT}/v1/webhooks`, {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ url, events: ['device.state_changed', 'batch.finished'] }),
  });
  if (res.status !== 201) throw new Error(`subscribing answered ${res.status}: ${await res.text()}`);
  return {
    async allReceived(expected: number) {
      await waitUntil(async () => ids.size >= expected, 600_000);
      return { events: ids.size, requests, at: Date.now() };
    },
    close: () => server.close(),
  };
}

/** A second batch over the same rows, for the no-work ceiling run. */
async function copyBatch(pool: Pool, sourceId: string): Promise<string> {
  const { rows } = await pool.query(
    `INSERT INTO t_batch_action (tenant_id, created_by, upload_channel, ext_fields, status)
     SELECT tenant_id, created_by, upload_channel, ext_fields, 'CREATED' FROM t_batch_action WHERE id = $1
     RETURNING id`,
    [sourceId],
  );
  const batchId = rows[0].id as string;
  await pool.query(
    `INSERT INTO t_batch_action_device (batch_action_id, tenant_id, device_uid, row_number, status)
     SELECT $2, tenant_id, device_uid, row_number, 'PENDING' FROM t_batch_action_device WHERE batch_action_id = $1`,
    [sourceId, batchId],
  );
  return batchId;
}

async function finishedAt(pool: Pool, batchId: string): Promise<number> {
  const { rows } = await pool.query('SELECT finished_at FROM t_batch_action WHERE id = $1', [batchId]);
  return new Date(rows[0].finished_at).getTime();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
