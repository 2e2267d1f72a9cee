// `npm run bench:auth -- [--requests 10000] [--concurrency 20] [--api-port 3911]`: the API under
// random-key abuse, and what authentication costs a valid caller. Starts the API as a child process
// (dist/platform/http/server.js) per scenario and prints its memory (RSS and V8 heap in use, both after a full
// garbage collection: bench/memoryProbe.ts) after a warm-up of --requests valid requests, after
// --requests requests with random API keys and after as many again, the answers by status, the time:
//   one-address     every request from 127.0.0.1 (the failed-authentication limit answers 429)
//   many-addresses  spread over 250 loopback addresses (127.0.1.1-250): each address gets its budget
//   limit-off       AUTH_FAILURES_PER_MINUTE=0: every request is looked up (the cache must not grow)
// Then GET /v1/me with one valid key, --requests times: latency with the cache (AUTH_CACHE_TTL_MS
// 1000, the default) and without it (0: one PostgreSQL lookup per request): the cost of the 1 s TTL.
import { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApiKey, upsertTenant } from '../dev/inventorySeed';
import { benchSetup, log, numberArg, percentile, ROOT, startProcess, stopProcess, waitUntil } from './support';

const REQUESTS = numberArg('--requests', 10_000);
const CONCURRENCY = numberArg('--concurrency', 20);
const API_PORT = numberArg('--api-port', 3911);
/** Where the API's memory probe writes; removed before each API starts. */
const memoryFile = join(tmpdir(), `bench-auth-memory-${process.pid}.json`);

interface Outcome {
  statuses: Map<number, number>;
  latenciesMs: number[];
  seconds: number;
}

async function main(): Promise<void> {
  const { env, pool, mongo } = await benchSetup('bench-auth', {
    apiPort: API_PORT,
    window: 1,
    extra: { NODE_OPTIONS: `--require ${join(ROOT, 'dist-bench', 'bench', 'memoryProbe.js')}`, BENCH_MEMORY_FILE: memoryFile },
  });
  const tenantId = `bench-auth-${randomUUID().slice(0, 8)}`;
  await upsertTenant(pool, tenantId, 'Auth benchmark tenant');
  const validKey = await createApiKey(pool, tenantId, 'bench', 'operator');
  const randomKey = () => `do_${randomBytes(4).toString('hex')}_${randomBytes(24).toString('base64url')}`;
  try {
    log(`${REQUESTS} requests per scenario, ${CONCURRENCY} at a time, GET /v1/me`);
    // Each round sends from addresses of its own (127.0.<round>.x), so both rounds meet the limit alike.
    const scenarios: [string, NodeJS.ProcessEnv, (round: number, i: number) => string][] = [
      ['one-address', {}, (round) => `127.0.${round}.1`],
      ['many-addresses', {}, (round, i) => `127.0.${round}.${(i % 250) + 1}`],
      ['limit-off', { AUTH_FAILURES_PER_MINUTE: '0' }, (round) => `127.0.${round}.1`],
    ];
    for (const [name, extra, address] of scenarios) {
      await withApi({ ...env, ...extra }, async (api) => {
        // Warm-up with as many valid requests: V8 grows its young generation (and RSS with it, by tens
        // of MB) under any load of this rate and keeps it, so "start" is an API that has served traffic.
        await run(Array.from({ length: REQUESTS }, () => ({ key: validKey, address: '127.0.0.1' })));
        const figures = [await memory(api)];
        const answers: string[] = [];
        for (const round of [1, 2]) {
          const outcome = await run(Array.from({ length: REQUESTS }, (_, i) => ({ key: randomKey(), address: address(round, i) })));
          figures.push(await memory(api));
          answers.push(`${describeStatuses(outcome.statuses)} in ${outcome.seconds.toFixed(1)} s`);
        }
        const stillServed = (await run([{ key: validKey, address: address(2, 0) }])).statuses.get(200) === 1;
        const [start, first, second] = figures as [Memory, Memory, Memory];
        log(
          `${name}: API memory after GC, after ${REQUESTS} valid -> ${REQUESTS} random keys -> ${REQUESTS} more: ` +
            `RSS ${start.rssMb.toFixed(1)} -> ${first.rssMb.toFixed(1)} -> ${second.rssMb.toFixed(1)} MB (${signed(first.rssMb - start.rssMb)}, ${signed(second.rssMb - first.rssMb)}); ` +
            `V8 heap in use ${start.heapMb.toFixed(1)} -> ${first.heapMb.toFixed(1)} -> ${second.heapMb.toFixed(1)} MB ` +
            `(of ${start.heapTotalMb.toFixed(1)} -> ${first.heapTotalMb.toFixed(1)} -> ${second.heapTotalMb.toFixed(1)} MB reserved); ` +
            `answers ${answers.join(' / ')}; the valid key from a throttled address afterwards: ${stillServed ? '200' : 'REFUSED'}`,
        );
      });
    }
    for (const [name, ttl] of [
      ['cached (TTL 1000 ms)', '1000'],
      ['uncached (TTL 0)', '0'],
    ] as const) {
      await withApi({ ...env, AUTH_CACHE_TTL_MS: ttl, RATE_LIMIT_PER_SECOND: '0' }, async () => {
        await run(Array.from({ length: 1000 }, () => ({ key: validKey, address: '127.0.0.1' })));
        const outcome = await run(Array.from({ length: REQUESTS }, () => ({ key: validKey, address: '127.0.0.1' })));
        log(
          `valid key, ${name.padEnd(20)} p50 ${percentile(outcome.latenciesMs, 50).toFixed(2)} ms, p99 ${percentile(outcome.latenciesMs, 99).toFixed(2)} ms, ` +
            `${Math.round(REQUESTS / outcome.seconds)} req/s; answers ${describeStatuses(outcome.statuses)}`,
        );
      });
    }
  } finally {
    rmSync(memoryFile, { force: true });
    await pool.end();
    await mongo.client.close();
  }
}

async function withApi(env: NodeJS.ProcessEnv, measure: (api: ChildProcess) => Promise<void>): Promise<void> {
  rmSync(memoryFile, { force: true });
  const api = await startProcess('api', 'dist/platform/http/server.js', env, () => false);
  try {
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${API_PORT}/readyz`).catch(() => null))?.ok === true, 30_000);
    await measure(api);
  } finally {
    await stopProcess(api);
  }
}

const agents = new Map<string, http.Agent>();

/** Sends the requests, CONCURRENCY at a time, each from its source address over a kept-alive connection. */
async function run(requests: { key: string; address: string }[]): Promise<Outcome> {
  const statuses = new Map<number, number>();
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < requests.length) {
      const { key, address } = requests[next++]!;
      let agent = agents.get(address);
      if (!agent) agents.set(address, (agent = new http.Agent({ keepAlive: true, localAddress: address } as http.AgentOptions)));
      const t = performance.now();
      const status = await get(`http://127.0.0.1:${API_PORT}/v1/me`, key, agent);
      latenciesMs.push(performance.now() - t);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return { statuses, latenciesMs, seconds: (performance.now() - started) / 1000 };
}

function get(url: string, key: string, agent: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { 'X-API-Key': key }, agent }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode!));
    });
    req.once('error', reject);
  });
}

interface Memory {
  rssMb: number;
  heapMb: number;
  heapTotalMb: number;
}

/** Asks the API's memory probe for a full GC and its memory afterwards. */
async function memory(api: ChildProcess): Promise<Memory> {
  const read = () =>
    existsSync(memoryFile)
      ? (JSON.parse(readFileSync(memoryFile, 'utf8')) as { sequence: number; rss: number; heapUsed: number; heapTotal: number })
      : null;
  const previous = read()?.sequence ?? 0;
  api.kill('SIGUSR2');
  await waitUntil(async () => (read()?.sequence ?? 0) > previous, 10_000);
  const { rss, heapUsed, heapTotal } = read()!;
  return { rssMb: rss / 2 ** 20, heapMb: heapUsed / 2 ** 20, heapTotalMb: heapTotal / 2 ** 20 };
}

function describeStatuses(statuses: Map<number, number>): string {
  return [...statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${n}x${status}`)
    .join(', ');
}

function signed(mb: number): string {
  return `${mb >= 0 ? '+' : ''}${mb.toFixed(1)}`;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
