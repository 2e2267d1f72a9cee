// `npm run bench:load -- --streams 100 [--stream-rows 100000] [--phase-s 20] [--streams-per-key N]`: the live-progress
// streams' case of the load benchmark. One tenant holds --streams streams of GET /v1/batches/:id/events open from one
// read-only key on a RUNNING batch of --stream-rows rows (no worker runs, so the batch stays RUNNING with every row
// pending and each status read counts all of them), while another tenant reads GET /v1/batches back to back. Prints
// that tenant's read p50/p99 with no stream open, then with the streams open, and their ratio (target: p99 within 2×);
// how many streams were accepted and refused (429), and the API's stream gauges.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createApiKey, imeiWithCheckDigit, upsertTenant, upsertWorkflowVersion } from '../dev/inventorySeed';
import { benchSetup, log, numberArg, percentile, startProcess, stopProcess, waitUntil } from './support';

const STREAMS = numberArg('--streams', 100);
const ROWS = numberArg('--stream-rows', 100_000);
const PHASE_S = numberArg('--phase-s', 20);
/** The per-key limit for this run: the default (10) shows the refusals, --streams-per-key 100 the shared poller under 100 streams. */
const STREAMS_PER_KEY = numberArg('--streams-per-key', 10);
const P99_RATIO_TARGET = 2;

export async function streamLoadCase(apiPort: number): Promise<void> {
  const { env, pool, mongo } = await benchSetup('bench-streams', {
    apiPort,
    window: 200,
    extra: { RATE_LIMIT_PER_SECOND: '100000', LIVE_STREAMS_PER_KEY: String(STREAMS_PER_KEY) },
  });
  const api = await startProcess('api', 'dist/platform/http/server.js', env, () => false);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const streams: AbortController[] = [];
  try {
    await waitUntil(async () => (await fetch(`${apiUrl}/readyz`).catch(() => null))?.ok === true, 30_000);
    const stamp = randomUUID().slice(0, 8);
    const watcher = `bench-streams-${stamp}`;
    const reader = `bench-reader-${stamp}`;
    await upsertTenant(pool, watcher, 'Streams benchmark: watching tenant');
    await upsertTenant(pool, reader, 'Streams benchmark: reading tenant');
    const operatorKey = await createApiKey(pool, watcher, 'bench-operator', 'operator');
    const viewerKey = await createApiKey(pool, watcher, 'bench-viewer', 'read_only');
    const readerKey = await createApiKey(pool, reader, 'bench-reader', 'read_only');
    const workflowId = await upsertWorkflowVersion(mongo, { name: 'Streams benchmark workflow', tenantId: watcher, serviceTypeId: 1 });
    // Valid IMEIs the inventory does not hold: stored PENDING, decided only by a worker, which this case never starts.
    const prefix = String(Date.now() % 1e6).padStart(6, '0');
    const uids = Array.from({ length: ROWS }, (_, i) => imeiWithCheckDigit(`87${prefix}${String(i).padStart(6, '0')}`));
    const upload = await fetch(`${apiUrl}/v1/batches?mode=assign&workflowId=${workflowId}`, {
      method: 'POST',
      headers: { 'X-API-Key': operatorKey, 'Content-Type': 'text/csv' },
      body: `deviceUid\n${uids.join('\n')}\n`,
    });
    const { batchId } = (await upload.json()) as { batchId: string };
    if (upload.status !== 202) throw new Error(`upload answered ${upload.status}`);
    log(`batch ${batchId}: ${ROWS.toLocaleString('en-US')} rows, RUNNING, no worker; phases of ${PHASE_S} s`);

    const readsFor = async (seconds: number) => {
      const times: number[] = [];
      let failed = 0;
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until) {
        const start = performance.now();
        const res = await fetch(`${apiUrl}/v1/batches?limit=20`, { headers: { 'X-API-Key': readerKey } });
        await res.arrayBuffer();
        times.push(performance.now() - start);
        if (!res.ok) failed += 1;
      }
      return { times, failed };
    };

    const idle = await readsFor(PHASE_S);
    const statuses: number[] = [];
    for (let i = 0; i < STREAMS; i++) {
      const aborter = new AbortController();
      streams.push(aborter);
      const res = await fetch(`${apiUrl}/v1/batches/${batchId}/events`, { headers: { 'X-API-Key': viewerKey }, signal: aborter.signal });
      statuses.push(res.status);
      if (res.ok && res.body) void res.body.pipeTo(new WritableStream()).catch(() => undefined);
      else await res.arrayBuffer();
    }
    const loaded = await readsFor(PHASE_S);
    const gauges = (await (await fetch(`${apiUrl}/metrics`)).text())
      .split('\n')
      .filter((l) => /^do_live_(progress_clients|progress_pollers|streams_refused_total)/.test(l));

    const p = (times: number[], q: number) => percentile(times, q).toFixed(1);
    const ratio = percentile(loaded.times, 99) / percentile(idle.times, 99);
    console.log(
      `\nLoad benchmark, streams case — ${STREAMS} streams from one read-only key on a RUNNING ${ROWS.toLocaleString('en-US')}-row batch`,
    );
    console.log(
      `streams (LIVE_STREAMS_PER_KEY=${STREAMS_PER_KEY})     accepted ${statuses.filter((s) => s === 200).length}, refused 429 ${statuses.filter((s) => s === 429).length}`,
    );
    console.log(
      `other tenant GET /v1/batches, idle     ${idle.times.length} reads, p50 ${p(idle.times, 50)} ms, p99 ${p(idle.times, 99)} ms, failed ${idle.failed}`,
    );
    console.log(
      `other tenant GET /v1/batches, streams  ${loaded.times.length} reads, p50 ${p(loaded.times, 50)} ms, p99 ${p(loaded.times, 99)} ms, failed ${loaded.failed}`,
    );
    console.log(
      `p99 ratio                              ${ratio.toFixed(2)}× (target ≤ ${P99_RATIO_TARGET}×: ${ratio <= P99_RATIO_TARGET ? 'met' : 'NOT met'})`,
    );
    console.log(`API gauges                             ${gauges.join('; ')}`);
  } finally {
    for (const aborter of streams) aborter.abort();
    await stopProcess(api);
    await pool.end();
    await mongo.client.close();
  }
}
