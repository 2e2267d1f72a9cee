// Helpers shared by the benchmarks that run the product's worker and API as child processes
// (bench:batch, bench:load): start/stop a child, its peak memory, polling, command-line numbers.
// Every child started here is killed when the benchmark process exits, fails or is interrupted.
import { Client, ServiceError } from '@temporalio/client';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../src/platform/config';
import { migrate } from '../src/platform/db/migrate';
import { connectMongo } from '../src/platform/db/mongo';
import { createPgPool } from '../src/platform/db/postgres';

/** The repository root (this file runs from dist-bench/bench/). */
export const ROOT = resolve(__dirname, '..', '..');

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Kills (SIGKILL) every child still alive when this process exits; SIGINT/SIGTERM exit through it. */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the worker and API children`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/**
 * Starts `node <script>` from the repository root. Resolves once a line of its stdout passes
 * `isReady` (the API at once: wait for /readyz instead); rejects if it exits before that.
 */
export function startProcess(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  isReady: (line: string) => boolean,
): Promise<ChildProcess> {
  installCleanup();
  const child = spawn('node', [script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolveStarted, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      if (lines.some(isReady)) resolveStarted(child);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    if (name === 'api') resolveStarted(child);
  });
}

/** SIGTERM, then SIGKILL after 15 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Peak resident memory (VmHWM) of a running child, in MB. */
export function peakRssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Nearest-rank percentile (NaN for no values). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The most of `times` (epoch ms, any order) within any half-open window [t, t + windowMs): a rate's peak. */
export function peakInWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    peak = Math.max(peak, last - first + 1);
  }
  return peak;
}

export function log(message: string): void {
  console.log(`[bench] ${message}`);
}

/** gRPC DEADLINE_EXCEEDED and UNAVAILABLE. */
const RETRYABLE_GRPC_CODES = new Set([4, 14]);

/**
 * A workflow's result, waited for as long as it takes: a long poll that a saturated dev server lets
 * run past its deadline (DEADLINE_EXCEEDED, UNAVAILABLE) is simply asked again.
 */
export async function workflowResult<T>(client: Client, workflowId: string): Promise<T> {
  for (;;) {
    try {
      return (await client.workflow.getHandle(workflowId).result()) as T;
    } catch (err) {
      const code = (err as { cause?: { code?: number } }).cause?.code;
      if (!(err instanceof ServiceError) || !RETRYABLE_GRPC_CODES.has(code ?? -1)) throw err;
      log(`waiting for ${workflowId}: ${err.message} (${code}), asking again`);
    }
  }
}

/**
 * The environment of a benchmark's worker and API children (a task queue of their own, the API port,
 * the window, quiet logs) and the benchmark's own connections to the stores, migrated.
 */
export async function benchSetup(prefix: string, settings: { apiPort: number; window: number; extra?: NodeJS.ProcessEnv }) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TASK_QUEUE: `${prefix}-${randomUUID().slice(0, 8)}`,
    API_PORT: String(settings.apiPort),
    BATCH_WINDOW_SIZE: String(settings.window),
    PG_POOL_SIZE: process.env.PG_POOL_SIZE ?? '60',
    LOG_LEVEL: 'warn',
    // A benchmark's webhook receiver listens on 127.0.0.1 (bench:batch --webhook).
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    ...settings.extra,
  };
  const config = loadConfig(env);
  const pool = createPgPool(config.postgres.url, 10);
  await migrate(pool);
  const mongo = await connectMongo(config.mongo.url, config.mongo.database);
  return { env, config, pool, mongo };
}

/** Runs tasks, at most `limit` at once: `run` waits for a free place, not for the task. */
export class TaskPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  get pending(): number {
    return this.active + this.waiting.length;
  }
  async run(task: () => Promise<unknown>): Promise<void> {
    while (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    void task()
      .catch((err) => console.error(err))
      .finally(() => {
        this.active--;
        this.waiting.shift()?.();
      });
  }
  async drain(): Promise<void> {
    while (this.active > 0) await new Promise((r) => setTimeout(r, 50));
  }
}
