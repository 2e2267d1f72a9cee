// The real entry points (src/platform/http/server.ts, src/platform/worker/main.ts) as child processes, for tests that
// send them signals: compiled once per test run with the repo's tsc into dist-test/ (git-ignored; incremental,
// so a run after the first compiles only what changed), then spawned with `node`.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './harness';
import { RUN_OUTPUTS } from '../runOutputs';
import { oncePerRun } from './oncePerRun';

const ROOT = resolve(__dirname, '..', '..');
const BUILD_DIR = RUN_OUTPUTS;

/**
 * Compiles src/ into dist-test/ (the same tsconfig as `npm run build`, another output folder). Once per test run: the
 * first test file to ask builds, the others (in other jest workers) wait for its outcome, instead of three compilers
 * writing one folder at once. Without type checking (--noCheck; `npm run typecheck` checks the types): the same
 * JavaScript in a third of the time.
 */
export async function buildEntryPoints(): Promise<void> {
  await oncePerRun('entry-points', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      '-p',
      'tsconfig.build.json',
      '--outDir',
      BUILD_DIR,
      '--incremental',
      '--tsBuildInfoFile',
      join(BUILD_DIR, '.tsbuildinfo'),
    ];
    await promisify(execFile)(process.execPath, [tsc, ...args, '--noCheck'], { cwd: ROOT });
  });
}

export interface EntryPointProcess {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** The first JSON log line (pino, stdout) with this `msg`, if logged yet. */
  logged(msg: string): Record<string, unknown> | undefined;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** SIGKILL if still running: cleanup after a failed test. */
  kill(): void;
}

export function spawnEntryPoint(
  script: 'platform/http/server.js' | 'platform/worker/main.js',
  env: Record<string, string>,
): EntryPointProcess {
  // No worker metrics unless a test asks for them (a port of its own): a worker of `npm start` may hold the default.
  const child = spawn(process.execPath, [join(BUILD_DIR, script)], {
    cwd: ROOT,
    env: { ...process.env, WORKER_METRICS_ADDRESS: '', ...env },
  });
  let output = '';
  const logLines: Record<string, unknown>[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) logLines.push(JSON.parse(line));
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit({ code, signal, at: Date.now() })),
  );
  return {
    child,
    exited,
    logged: (msg) => logLines.find((line) => line.msg === msg),
    output: () => output,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Like harness `waitFor`, with the process's output in the failure message. */
export async function waitForProcess<T>(
  entryPoint: EntryPointProcess,
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs?: number,
): Promise<T> {
  try {
    return await waitFor(what, check, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the process wrote:\n${entryPoint.output().slice(-4000)}`);
  }
}

/** A loopback port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** True when the request went over a kept-alive connection of `agent`. */
  reusedSocket: boolean;
}

/** One request with node:http, to control the connection (fetch pools and hides them). */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; agent?: http.Agent | false } = {},
): Promise<HttpAnswer> {
  return new Promise((resolveAnswer, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false });
    req.once('error', reject);
    req.once('response', (res) => resolveAnswer(readAnswer(req, res)));
    req.end(options.body);
  });
}

/** A request whose body is sent piece by piece, like a slow client uploading a large file. */
export interface StreamingRequest {
  write(text: string): Promise<void>;
  end(): void;
  /** The answer, whenever it comes: possibly before the body is complete. */
  answer: Promise<HttpAnswer>;
  destroy(): void;
}

export function streamingRequest(url: string, headers: Record<string, string>): StreamingRequest {
  const req = http.request(url, { method: 'POST', headers, agent: false });
  const answer = new Promise<HttpAnswer>((resolveAnswer, reject) => {
    req.once('error', reject);
    req.once('response', (res) => resolveAnswer(readAnswer(req, res)));
  });
  answer.catch(() => undefined); // read by the test; an early failure must not be "unhandled"
  return {
    write: (text) => new Promise((r, reject) => req.write(text, (err) => (err ? reject(err) : r()))),
    end: () => req.end(),
    answer,
    destroy: () => req.destroy(),
  };
}

async function readAnswer(req: http.ClientRequest, res: http.IncomingMessage): Promise<HttpAnswer> {
  let text = '';
  for await (const chunk of res) text += chunk.toString();
  const isJson = /json/.test(res.headers['content-type'] ?? '');
  return { status: res.statusCode!, headers: res.headers, body: isJson ? JSON.parse(text) : text, reusedSocket: req.reusedSocket };
}
