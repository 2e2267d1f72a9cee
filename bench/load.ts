// `npm run bench:load -- [--uploads 20] [--rows 10000] [--readers 4] [--slow-uploads 30] [--slow-kb 20] [--api-port 3901]
// [--window W] [--max-wait-s N]`:
// the API under load while batches run. Starts a worker and the API as child processes on a task
// queue of their own (as bench:batch does), seeds uploads × rows READY_FOR_USE devices in a fresh
// tenant, fires --uploads concurrent CSV uploads of --rows distinct devices each (mode assign) while
// --readers loops read GET /v1/batches/:id of the batches created so far back to back (every 10th
// read is GET /v1/batches/:id/devices?limit=50), until every batch has finished. Prints upload
// latency, status-read latency (upload phase and processing phase apart), time until every batch
// finished, devices/s, every batch's final status and counters, peak memory of worker and API.
// --max-wait-s N (default: no limit) stops waiting N s after the uploads started: the readers stop,
// every unfinished batch is cancelled through the API, and the report covers what was observed until
// then (batches and devices done, devices done/s) — a measurement, so the exit code stays 0.
// --streams N runs the live-progress streams' case instead (bench/streamLoad.ts).
// --slow-uploads N more uploads (of --slow-kb KB each: one unknown device, repeated) trickle in at 1 KB/s from the
// start, beside the fast ones: the status reads during the upload phase show whether they hold anything up.
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion, imeiWithCheckDigit } from '../dev/inventorySeed';
import { DeviceState } from '../src/devices/states';
import { startSlowUploads } from './slowUploads';
import { streamLoadCase } from './streamLoad';
import { benchSetup, log, numberArg, peakRssMb, percentile, startProcess, stopProcess, waitUntil } from './support';

const UPLOADS = numberArg('--uploads', 20);
const ROWS = numberArg('--rows', 10_000);
const READERS = numberArg('--readers', 4);
const SLOW_UPLOADS = numberArg('--slow-uploads', 30);
const SLOW_UPLOAD_BYTES = numberArg('--slow-kb', 20) * 1024;
const SLOW_BYTES_PER_SECOND = 1024;
const API_PORT = numberArg('--api-port', 3901);
const WINDOW = numberArg('--window', 200);
/** Seconds from the first upload after which the bench stops waiting and cancels the rest. */
const MAX_WAIT_S = numberArg('--max-wait-s', Infinity);
/** How long cancelled batches get to reach a final status: their running children must wind down first. */
const CANCEL_SETTLE_MS = 120_000;
/** The bench API's per-key limit: high, so the readers measure latency rather than 429s (default 50/s). */
const RATE_LIMIT_PER_SECOND = 100_000;
const DEVICE_PAGE_EVERY = 10;
const STATUS_P99_TARGET_MS = 200;
const READ_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY_MS = 10_000;

type Phase = 'upload' | 'processing';

interface Read {
  phase: Phase;
  ms: number;
  /** HTTP status; 0 when the request failed or timed out. */
  status: number;
}

interface FinalStatus {
  status: string;
  progress: { total: number; done: number; pending: number };
  countersByStatus: Record<string, number>;
  countersByCode: Record<string, number>;
  timings: { elapsedSeconds: number; devicesPerSecond: number | null };
}

async function main(): Promise<void> {
  if (process.argv.includes('--streams')) return streamLoadCase(API_PORT);
  for (const [name, value] of Object.entries({ uploads: UPLOADS, rows: ROWS, readers: READERS, 'api-port': API_PORT, window: WINDOW })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, not ${value}`);
  }
  if (!(MAX_WAIT_S > 0)) throw new Error(`--max-wait-s must be a positive number of seconds, not ${MAX_WAIT_S}`);
  if (UPLOADS * ROWS > 1_000_000) throw new Error('--uploads × --rows must be at most 1,000,000 (device UIDs carry a 6-digit index)');
  const total = UPLOADS * ROWS;
  const { env, pool, mongo } = await benchSetup('bench-load', {
    apiPort: API_PORT,
    window: WINDOW,
    extra: { RATE_LIMIT_PER_SECOND: String(RATE_LIMIT_PER_SECOND) },
  });

  let worker: ChildProcess | null = null;
  let api: ChildProcess | null = null;
  try {
    worker = await startProcess('worker', 'dist-bench/bench/batchWorker.js', env, (line) => line === 'ready');
    api = await startProcess('api', 'dist/platform/http/server.js', env, () => false);
    const apiUrl = `http://127.0.0.1:${API_PORT}`;
    await waitUntil(async () => (await fetch(`${apiUrl}/readyz`).catch(() => null))?.ok === true, 30_000);

    const tenantId = `bench-load-${randomUUID().slice(0, 8)}`;
    await upsertTenant(pool, tenantId, 'Load benchmark tenant');
    const apiKey = await createApiKey(pool, tenantId, 'bench', 'operator');
    const workflowId = await upsertWorkflowVersion(mongo, { name: 'Load benchmark workflow', tenantId, serviceTypeId: 1 });
    const stamp = String(Date.now() % 1e6).padStart(6, '0');
    const uploads = Array.from({ length: UPLOADS }, (_, u) =>
      Array.from({ length: ROWS }, (_, i) => imeiWithCheckDigit(`86${stamp}${String(u * ROWS + i).padStart(6, '0')}`)),
    );
    const seedStart = Date.now();
    await insertDevices(
      pool,
      tenantId,
      uploads.flat().map((uid) => ({ uid, stateId: DeviceState.READY_FOR_USE })),
    );
    log(
      `seeded ${total.toLocaleString('en-US')} devices in ${((Date.now() - seedStart) / 1000).toFixed(1)} s in tenant ${tenantId}; ` +
        `task queue ${env.TASK_QUEUE}, window ${WINDOW}, API ${apiUrl} with RATE_LIMIT_PER_SECOND=${RATE_LIMIT_PER_SECOND}`,
    );

    // Readers: back to back over the batches created so far, until every batch has finished.
    const headers = { 'X-API-Key': apiKey };
    const batchIds: string[] = [];
    const statusReads: Read[] = [];
    const pageReads: Read[] = [];
    let phase: Phase = 'upload';
    let stopReaders = false;
    const reader = async (r: number) => {
      for (let n = r; !stopReaders; n++) {
        if (batchIds.length === 0) {
          await sleep(10);
          continue;
        }
        const id = batchIds[n % batchIds.length]!;
        const page = n % DEVICE_PAGE_EVERY === 0;
        const read: Read = { phase, ms: 0, status: 0 };
        const start = performance.now();
        try {
          const res = await fetch(`${apiUrl}/v1/batches/${id}${page ? '/devices?limit=50' : ''}`, {
            headers,
            signal: AbortSignal.timeout(READ_TIMEOUT_MS),
          });
          await res.arrayBuffer();
          read.status = res.status;
        } catch {
          read.status = 0;
        }
        read.ms = performance.now() - start;
        (page ? pageReads : statusReads).push(read);
      }
    };
    const readers = Array.from({ length: READERS }, (_, r) => reader(r));

    // Slow uploads trickle in from the start; the fast ones go all at once beside them.
    const slowUploads =
      SLOW_UPLOADS > 0
        ? startSlowUploads({
            apiUrl,
            apiKey,
            workflowId,
            count: SLOW_UPLOADS,
            bytes: SLOW_UPLOAD_BYTES,
            bytesPerSecond: SLOW_BYTES_PER_SECOND,
          })
        : Promise.resolve([]);
    const uploadStart = Date.now();
    const uploadResults = await Promise.all(
      uploads.map(async (uids, u) => {
        const csv = `deviceUid\n${uids.join('\n')}\n`;
        const start = performance.now();
        const res = await fetch(`${apiUrl}/v1/batches?mode=assign&workflowId=${workflowId}`, {
          method: 'POST',
          headers: { ...headers, 'Content-Type': 'text/csv' },
          body: csv,
        });
        const answer = (await res.json()) as { batchId?: string };
        const ms = performance.now() - start;
        if (res.status === 202 && answer.batchId) batchIds.push(answer.batchId);
        else log(`upload ${u + 1} answered ${res.status}: ${JSON.stringify(answer)}`);
        return { ms, status: res.status, batchId: res.status === 202 ? (answer.batchId ?? null) : null };
      }),
    );
    const slowResults = await slowUploads;
    const uploadPhaseMs = Date.now() - uploadStart;
    phase = 'processing';
    const accepted = uploadResults.filter((u) => u.batchId !== null).length;
    const stopsAt = uploadStart + MAX_WAIT_S * 1000;
    log(
      `${accepted}/${UPLOADS} uploads answered 202 within ${(uploadPhaseMs / 1000).toFixed(1)} s; waiting for every batch to finish` +
        (Number.isFinite(MAX_WAIT_S) ? ` (at most ${MAX_WAIT_S} s after the uploads started)` : ''),
    );
    if (accepted === 0) throw new Error('no upload was accepted');
    const acceptedIds = uploadResults.flatMap((u) => (u.batchId ? [u.batchId] : []));
    const children = { worker, API: api };

    // Wait for every batch (from PostgreSQL, not through the API), a progress line every 10 s, or
    // until --max-wait-s has passed.
    let lastProgress = Date.now();
    let unfinished: string[];
    for (;;) {
      assertRunning(children);
      unfinished = await unfinishedBatches(pool, acceptedIds);
      if (unfinished.length === 0 || Date.now() >= stopsAt) break;
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        const devices = await devicesDone(pool, acceptedIds);
        const errors = [...statusReads, ...pageReads].filter((r) => !ok(r)).length;
        log(
          `${((Date.now() - uploadStart) / 1000).toFixed(0)} s: batches done ${acceptedIds.length - unfinished.length}/${acceptedIds.length}, ` +
            `devices done ${devices.done.toLocaleString('en-US')}/${devices.total.toLocaleString('en-US')}; ` +
            `${statusReads.length + pageReads.length} reads so far, ${errors} errors`,
        );
      }
      await sleep(1000);
    }
    // The observed period ends here: devices done are counted before any cancel closes rows as
    // CANCELLED (which the API then counts as done too), and the readers stop with it.
    const observedMs = Date.now() - uploadStart;
    const doneWhenStopped = await devicesDone(pool, acceptedIds);
    stopReaders = true;
    await Promise.all(readers);
    const stopped = unfinished.length > 0 ? await cancelUnfinished(apiUrl, headers, pool, unfinished, children) : null;
    const allSeconds = stopped ? NaN : ((await lastFinishedAt(pool, acceptedIds)) - uploadStart) / 1000;
    const memory = { worker: peakRssMb(worker), api: peakRssMb(api) };

    const finals: Array<{ batchId: string; status: number; body: FinalStatus | null }> = [];
    for (const batchId of acceptedIds) {
      const res = await fetch(`${apiUrl}/v1/batches/${batchId}`, { headers });
      finals.push({ batchId, status: res.status, body: res.ok ? ((await res.json()) as FinalStatus) : null });
    }
    const processed = finals.reduce((sum, f) => sum + (f.body?.progress.done ?? 0), 0);

    const line = (k: string, v: string) => console.log(`${k.padEnd(38)} ${v}`);
    const n = (x: number) => x.toLocaleString('en-US');
    console.log(
      `\nLoad benchmark — ${UPLOADS} concurrent uploads × ${n(ROWS)} rows (${n(total)} devices), ${READERS} readers, window ${WINDOW}`,
    );
    line('API rate limit', `RATE_LIMIT_PER_SECOND=${n(RATE_LIMIT_PER_SECOND)} for this benchmark's API (default 50/s per key)`);
    const uploadMs = uploadResults.map((u) => u.ms);
    const all202 = uploadResults.every((u) => u.status === 202);
    line(
      'uploads → 202',
      `p50 ${ms(percentile(uploadMs, 50))}, p99 ${ms(percentile(uploadMs, 99))}, max ${ms(Math.max(...uploadMs))}; ` +
        `all 202: ${all202 ? 'yes' : `NO (${statusCounts(uploadResults)})`}`,
    );
    const target = (reads: Read[]) =>
      percentile(
        reads.map((r) => r.ms),
        99,
      ) < STATUS_P99_TARGET_MS && reads.every(ok)
        ? 'met'
        : 'NOT met';
    if (SLOW_UPLOADS > 0) {
      const slowMs = slowResults.map((u) => u.ms);
      line(
        `slow uploads (${SLOW_UPLOADS} × ${SLOW_UPLOAD_BYTES / 1024} KB at 1 KB/s)`,
        `p50 ${ms(percentile(slowMs, 50))}, max ${ms(Math.max(...slowMs))}; all 202: ${
          slowResults.every((u) => u.status === 202) ? 'yes' : `NO (${statusCounts(slowResults)})`
        }`,
      );
    }
    line(
      'status reads GET /v1/batches/:id',
      `${readSummary(statusReads)}; target p99 < ${STATUS_P99_TARGET_MS} ms: ${target(statusReads)}`,
    );
    line(`  during the uploads (${(uploadPhaseMs / 1000).toFixed(1)} s)`, readSummary(statusReads.filter((r) => r.phase === 'upload')));
    line(
      stopped ? '  during processing, until the stop' : '  during processing',
      readSummary(statusReads.filter((r) => r.phase === 'processing')),
    );
    line('device pages GET …/devices?limit=50', readSummary(pageReads));
    const observedSeconds = observedMs / 1000;
    if (stopped) {
      const finished = acceptedIds.length - unfinished.length;
      console.log(
        `stopped waiting after ${observedSeconds.toFixed(0)} s: ${finished} of ${acceptedIds.length} batches finished, ` +
          `${n(doneWhenStopped.done)} of ${n(doneWhenStopped.total)} devices done; the rest were cancelled` +
          ` (--max-wait-s ${MAX_WAIT_S}; ${stoppedDetail(stopped)})`,
      );
      line(
        'throughput',
        `${(doneWhenStopped.done / observedSeconds).toFixed(1)} devices done/s while observed ` +
          `(${n(doneWhenStopped.done)} devices in ${observedSeconds.toFixed(1)} s); no overall figure: not every batch finished`,
      );
    } else {
      line('every batch finished', `${allSeconds.toFixed(1)} s after the uploads started`);
      line('throughput', `${(processed / allSeconds).toFixed(0)} devices/s overall (${n(processed)} devices)`);
    }
    const complete = finals.filter(
      (f) => f.body?.status === 'COMPLETED' && f.body.progress.total === ROWS && f.body.progress.pending === 0,
    );
    line(
      'batches',
      `${complete.length}/${UPLOADS} COMPLETED with total = ${n(ROWS)}: ${complete.length === UPLOADS ? 'yes' : 'NO'}` +
        (stopped ? ` (stopped by --max-wait-s; a cancelled batch's done and devices/s count its CANCELLED rows)` : ''),
    );
    for (const f of finals) {
      const b = f.body;
      line(
        `  ${f.batchId}`,
        b
          ? `${b.status} total ${b.progress.total} done ${b.progress.done} ${JSON.stringify(b.countersByStatus)} ${JSON.stringify(b.countersByCode)} ` +
              `(${b.timings.elapsedSeconds} s, ${b.timings.devicesPerSecond ?? '-'} devices/s)`
          : `GET answered ${f.status}`,
      );
    }
    line('peak memory worker / API', `${memory.worker} MB / ${memory.api} MB`);
  } finally {
    if (worker) await stopProcess(worker);
    if (api) await stopProcess(api);
    await Promise.all([pool.end(), mongo.client.close()]);
  }
}

/** The batches among `ids` without a final status yet (finished = final status and finished_at). */
async function unfinishedBatches(pool: Pool, ids: string[]): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT id FROM t_batch_action WHERE id = ANY($1::uuid[]) AND (status IN ('CREATED', 'RUNNING') OR finished_at IS NULL)`,
    [ids],
  );
  return rows.map((r) => r.id);
}

/** A child that died would leave the wait polling forever. */
function assertRunning(children: Record<string, ChildProcess>): void {
  for (const [name, child] of Object.entries(children)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the ${name} process exited (${child.exitCode ?? child.signalCode})`);
  }
}

interface Stopped {
  /** Batches whose cancel answered 202. */
  cancelled: number;
  /** Batches that finished on their own between the last poll and the cancel (409). */
  finishedMeanwhile: number;
  /** Cancels answered otherwise or not at all. */
  cancelErrors: string[];
  /** Batches still without a final status CANCEL_SETTLE_MS after the cancels. */
  notFinal: number;
}

/**
 * Cancels the unfinished batches through the API, as an operator would, then waits (bounded) for
 * them to reach a final status: left running, they would go on loading the shared Temporal server
 * after the worker is gone.
 */
async function cancelUnfinished(
  apiUrl: string,
  headers: Record<string, string>,
  pool: Pool,
  ids: string[],
  children: Record<string, ChildProcess>,
): Promise<Stopped> {
  log(`stopping after --max-wait-s ${MAX_WAIT_S}: cancelling ${ids.length} unfinished batches`);
  const answers = await Promise.all(ids.map((id) => cancelBatch(apiUrl, headers, id)));
  const errors = answers.filter((a) => a.status !== 202 && a.status !== 409);
  for (const a of errors) log(`cancel of ${a.batchId} answered ${a.status || 'nothing'}: ${a.body}`);
  const deadline = Date.now() + CANCEL_SETTLE_MS;
  let notFinal = await unfinishedBatches(pool, ids);
  while (notFinal.length > 0 && Date.now() < deadline) {
    assertRunning(children);
    await sleep(1000);
    notFinal = await unfinishedBatches(pool, ids);
  }
  if (notFinal.length > 0)
    log(`${notFinal.length} cancelled batches still not final after ${CANCEL_SETTLE_MS / 1000} s: ${notFinal.join(', ')}`);
  return {
    cancelled: answers.filter((a) => a.status === 202).length,
    finishedMeanwhile: answers.filter((a) => a.status === 409).length,
    cancelErrors: errors.map((a) => `${a.batchId}: ${a.status || 'no answer'}`),
    notFinal: notFinal.length,
  };
}

/** POST /v1/batches/:id/cancel; status 0 when there was no answer. */
async function cancelBatch(
  apiUrl: string,
  headers: Record<string, string>,
  batchId: string,
): Promise<{ batchId: string; status: number; body: string }> {
  try {
    const res = await fetch(`${apiUrl}/v1/batches/${batchId}/cancel`, {
      method: 'POST',
      headers,
      signal: AbortSignal.timeout(READ_TIMEOUT_MS),
    });
    return { batchId, status: res.status, body: await res.text() };
  } catch (err) {
    return { batchId, status: 0, body: String(err) };
  }
}

/** What became of the batches the bench stopped waiting for, for the "stopped waiting" line. */
function stoppedDetail(stopped: Stopped): string {
  const parts = [`${stopped.cancelled} cancelled`];
  if (stopped.finishedMeanwhile > 0) parts.push(`${stopped.finishedMeanwhile} finished on their own before the cancel reached them`);
  if (stopped.cancelErrors.length > 0) parts.push(`cancel FAILED for ${stopped.cancelErrors.join(', ')}`);
  if (stopped.notFinal > 0) parts.push(`${stopped.notFinal} NOT final ${CANCEL_SETTLE_MS / 1000} s after the cancel`);
  return parts.join(', ');
}

async function devicesDone(pool: Pool, ids: string[]): Promise<{ done: number; total: number }> {
  const { rows } = await pool.query<{ done: string; total: string }>(
    `SELECT count(*) FILTER (WHERE status <> 'PENDING') AS done, count(*) AS total FROM t_batch_action_device WHERE batch_action_id = ANY($1::uuid[])`,
    [ids],
  );
  return { done: Number(rows[0]!.done), total: Number(rows[0]!.total) };
}

async function lastFinishedAt(pool: Pool, ids: string[]): Promise<number> {
  const { rows } = await pool.query<{ last: Date }>(`SELECT max(finished_at) AS last FROM t_batch_action WHERE id = ANY($1::uuid[])`, [
    ids,
  ]);
  return new Date(rows[0]!.last).getTime();
}

function ok(read: Read): boolean {
  return read.status >= 200 && read.status < 300;
}

/** Count, p50 / p99 / max over every read (errors included), errors = any answer but 2xx (0 = no answer). */
function readSummary(reads: Read[]): string {
  if (reads.length === 0) return 'none';
  const times = reads.map((r) => r.ms);
  const errors = reads.filter((r) => !ok(r));
  return (
    `${reads.length.toLocaleString('en-US')} reads, p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, max ${ms(Math.max(...times))}; ` +
    `errors ${errors.length}${errors.length ? ` (${statusCounts(errors)})` : ''}`
  );
}

function statusCounts(items: Array<{ status: number }>): string {
  const counts = new Map<number, number>();
  for (const { status } of items) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts].map(([status, count]) => `${count}× ${status || 'no answer'}`).join(', ');
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
