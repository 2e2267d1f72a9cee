// `npm run bench:auth -- [--requests 10000] [--concurrency 20] [--api-port 3911]`: the API under
// random-key abuse, and what authentication costs a valid caller. Starts the API as a child process
// (dist/api/server.js) per scenario and prints its resident memory before and after --requests
// requests with random API keys, the answers by status, and the time taken:
//   one-address     every request from 127.0.0.1 (the failed-authentication limit answers 429)
//   many-addresses  spread over 250 loopback addresses (127.0.1.1-250): each address gets its budget
//   limit-off       AUTH_FAILURES_PER_MINUTE=0: every request is looked up (the cache must not grow)
// Then GET /v1/me with one valid key, --requests times: latency with the cache (AUTH_CACHE_TTL_MS
// 1000, the default) and without it (0: one PostgreSQL lookup per request): the cost of the 1 s TTL.
import { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createApiKey, upsertTenant } from '../src/db/inventorySeed';
import { benchSetup, log, numberArg, percentile, startProcess, stopProcess, waitUntil } from './support';

const REQUESTS = numberArg('--requests', 10_000);
const CONCURRENCY = numberArg('--concurrency', 20);
const API_PORT = numberArg('--api-port', 3911);

interface Outcome {
  statuses: Map<number, number>;
  latenciesMs: number[];
  seconds: number;
}

async function main(): Promise<void> {
  const { env, pool, mongo } = await benchSetup('bench-auth', { apiPort: API_PORT, window: 1 });
  const tenantId = `bench-auth-${randomUUID().slice(0, 8)}`;
  await upsertTenant(pool, tenantId, 'Auth benchmark tenant');
  const validKey = await createApiKey(pool, tenantId, 'bench', 'operator');
  const randomKey = () => `do_${randomBytes(4).toString('hex')}_${randomBytes(24).toString('base64url')}`;
  try {
    log(`${REQUESTS} requests per scenario, ${CONCURRENCY} at a time, GET /v1/me`);
    const scenarios: [string, NodeJS.ProcessEnv, (i: number) => string][] = [
      ['one-address', {}, () => '127.0.0.1'],
      ['many-addresses', {}, (i) => `127.0.1.${(i % 250) + 1}`],
      ['limit-off', { AUTH_FAILURES_PER_MINUTE: '0' }, () => '127.0.0.1'],
    ];
    for (const [name, extra, address] of scenarios) {
      await withApi({ ...env, ...extra }, async (api) => {
        await run(Array.from({ length: 1000 }, () => ({ key: validKey, address: '127.0.0.1' }))); // warm-up
        const before = rssMb(api);
        const outcome = await run(Array.from({ length: REQUESTS }, (_, i) => ({ key: randomKey(), address: address(i) })));
        const after = rssMb(api);
        const stillServed = (await run([{ key: validKey, address: '127.0.0.1' }])).statuses.get(200) === 1;
        log(
          `${name.padEnd(15)} API RSS ${before.toFixed(1)} -> ${after.toFixed(1)} MB (${signed(after - before)} MB); ` +
            `answers ${describeStatuses(outcome.statuses)} in ${outcome.seconds.toFixed(1)} s; valid key from 127.0.0.1 afterwards: ${stillServed ? '200' : 'REFUSED'}`,
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
    await pool.end();
    await mongo.client.close();
  }
}

async function withApi(env: NodeJS.ProcessEnv, measure: (api: ChildProcess) => Promise<void>): Promise<void> {
  const api = await startProcess('api', 'dist/api/server.js', env, () => false);
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

function rssMb(child: ChildProcess): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
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
