// The fault suite's own stack (bench/faults.ts): services on ports and a data folder of its own, the
// worker and API as children writing their logs to files there, and one stop for all of it that runs
// on every way out: the end, a failure, SIGINT/SIGTERM, an uncaught error.
import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

/** The repository root (this file runs from dist-bench/bench/). */
export const ROOT = resolve(__dirname, '..', '..');
export const dataDir = join(ROOT, '.data', 'faults');
export const logDir = join(dataDir, 'logs');

/**
 * `--port-offset N` moves every port of the suite's stack by N, so that two checkouts on one machine can each
 * run the suite (each in its own .data/faults/).
 */
const portOffset = portOffsetArg();
const port = (base: number) => String(base + portOffset);
const ports = {
  TEMPORAL_PORT: port(27233),
  TEMPORAL_UI_PORT: port(28233),
  PG_PORT: port(25432),
  MONGO_PORT: port(27217),
  FERRETDB_DEBUG_PORT: port(27317),
};
export const API_PORT = Number(port(23000));
/** With --cluster: the second API process. */
export const API_PORT_2 = Number(port(23001));
/**
 * With --cluster (`npm run test:faults -- --cluster`): Temporal is scripts/cluster.sh's server, its services
 * processes of their own, on ports of the suite's, instead of the dev server.
 */
export const onCluster = process.argv.includes('--cluster');
const clusterPorts = {
  CLUSTER_FRONTEND_PORT: port(27333),
  CLUSTER_FRONTEND_HTTP_PORT: port(27343),
  CLUSTER_HISTORY_PORT: port(27334),
  CLUSTER_MATCHING_PORT: port(27335),
  CLUSTER_INTERNAL_WORKER_PORT: port(27339),
  CLUSTER_UI_PORT: port(28333),
};
export const urls = {
  TEMPORAL_ADDRESS: `127.0.0.1:${onCluster ? clusterPorts.CLUSTER_FRONTEND_PORT : ports.TEMPORAL_PORT}`,
  DATABASE_URL: `postgres://postgres@127.0.0.1:${ports.PG_PORT}/device_orchestrator`,
  MONGO_URL: `mongodb://127.0.0.1:${ports.MONGO_PORT}/`,
  // services.sh runs this stack's FerretDB on its PostgreSQL: the app gives it its lookup indexes.
  FERRETDB_POSTGRES_URL: `postgres://postgres@127.0.0.1:${ports.PG_PORT}/ferretdb`,
};
const serviceEnv: NodeJS.ProcessEnv = { ...withoutServiceUrls(process.env), ...ports, ...clusterPorts, DO_DATA_DIR: dataDir };
/** services.sh waits at most 120 s for a service; past this something is wrong with the script itself. */
const SERVICES_TIMEOUT_MS = 180_000;

/** `scripts/services.sh <command>` for this stack. */
export async function services(command: string): Promise<void> {
  await promisify(execFile)('bash', ['scripts/services.sh', command], { cwd: ROOT, env: serviceEnv, timeout: SERVICES_TIMEOUT_MS });
}

/** `scripts/cluster.sh <command> [process]` for this stack's Temporal cluster (start-temporal, kill <process>, stop-temporal). */
export async function cluster(...args: string[]): Promise<void> {
  await promisify(execFile)('bash', ['scripts/cluster.sh', ...args], { cwd: ROOT, env: serviceEnv, timeout: SERVICES_TIMEOUT_MS });
}

/**
 * Refuses to run beside another stack on the suite's ports (another checkout's fault suite): services.sh
 * would reuse its services, and the two runs would inject faults into each other.
 */
export async function assertPortsFree(): Promise<void> {
  const busy: string[] = [];
  const own = onCluster ? [...Object.values(clusterPorts), String(API_PORT_2)] : [];
  for (const port of [...Object.values(ports), ...own, String(API_PORT)]) if (await portOpen(Number(port))) busy.push(port);
  if (busy.length > 0) throw new Error(`ports ${busy.join(', ')} are in use: another fault suite (or its leftovers) is running`);
}

/** The worker and API children; each writes stdout and stderr to <data>/logs/<name>.log. */
export class Processes {
  private readonly children = new Map<string, ChildProcess>();
  constructor(private readonly env: NodeJS.ProcessEnv) {}
  /** `env`: settings of this process's own (e.g. a second API's port). */
  start(name: string, script: string, env: NodeJS.ProcessEnv = {}): void {
    const fd = openSync(join(logDir, `${name}.log`), 'a');
    const child = spawn('node', [script], { cwd: ROOT, env: { ...this.env, ...env }, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.children.set(name, child);
  }
  async restart(name: string, script: string): Promise<void> {
    await this.kill(name);
    this.start(name, script);
  }
  /** SIGKILL: the process gets no chance to finish anything. */
  async kill(name: string): Promise<void> {
    const child = this.children.get(name);
    if (!child || exited(child)) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
  /** SIGKILL to every child still running; synchronous, so an exit handler can use it. */
  killAll(): void {
    for (const child of this.children.values()) if (!exited(child)) child.kill('SIGKILL');
  }
}

let stopped = false;
/**
 * Stops everything the suite started (children, then services), once, synchronously, then exits with
 * `code`. Installed for SIGINT, SIGTERM, uncaught errors and rejections; the normal end calls it too.
 */
export function stopEverythingAndExit(procs: Processes | null, code: number, keepServices = false): never {
  if (!stopped) {
    stopped = true;
    procs?.killAll();
    if (!keepServices) {
      try {
        if (onCluster)
          execFileSync('bash', ['scripts/cluster.sh', 'stop-temporal'], {
            cwd: ROOT,
            env: serviceEnv,
            stdio: 'ignore',
            timeout: SERVICES_TIMEOUT_MS,
          });
        execFileSync('bash', ['scripts/services.sh', 'stop'], {
          cwd: ROOT,
          env: serviceEnv,
          stdio: 'ignore',
          timeout: SERVICES_TIMEOUT_MS,
        });
      } catch (err) {
        console.error(`[faults] stopping the services failed: ${(err as Error).message}`);
      }
    }
  }
  process.exit(code);
}

export function installStopOnInterrupt(procs: () => Processes | null, keepServices: boolean): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`[faults] ${signal}: stopping every process the suite started`);
      stopEverythingAndExit(procs(), signal === 'SIGINT' ? 130 : 143, keepServices);
    });
  }
  const fatal = (err: unknown) => {
    console.error(`[faults] uncaught: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    stopEverythingAndExit(procs(), 1, keepServices);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}

/** The size and line count of every log the run wrote (children and services), largest first. */
export function logSizes(): { file: string; bytes: number; lines: number }[] {
  if (!existsSync(logDir)) return [];
  return readdirSync(logDir)
    .map((file) => {
      const path = join(logDir, file);
      const bytes = statSync(path).size;
      const lines = bytes === 0 ? 0 : readFileSync(path).reduce((n, byte) => (byte === 10 ? n + 1 : n), 0);
      return { file, bytes, lines };
    })
    .sort((a, b) => b.bytes - a.bytes);
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

function portOffsetArg(): number {
  const i = process.argv.indexOf('--port-offset');
  if (i < 0) return 0;
  const offset = Number(process.argv[i + 1]);
  // The highest base port (28333) and its membership port (1,000 below) stay valid ports.
  if (!Number.isInteger(offset) || offset < -20_000 || offset > 37_000) {
    throw new Error(`--port-offset: ${process.argv[i + 1]} is not a whole number from -20000 to 37000`);
  }
  return offset;
}

function withoutServiceUrls(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.TEMPORAL_ADDRESS;
  delete copy.DATABASE_URL;
  delete copy.FERRETDB_POSTGRES_URL;
  delete copy.MONGO_URL;
  return copy;
}
