// `npm run test:faults`: the product's promises under faults. On a stack of its own (own ports and
// data folder), for each fault in turn: run a 5,000-device batch and a set of temp locks, inject
// the fault mid-way, wait for everything to finish, then check the invariants by querying the
// stores, and print a table of fault, outcome and counts. Exits non-zero if any invariant broke.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { DeviceState } from '../src/domain/deviceStates';
import { imeiWithCheckDigit } from '../src/domain/deviceUid';
import { connectMongo, MongoStores } from '../src/db/mongo';
import { createPgPool } from '../src/db/postgres';
import { createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion } from '../src/db/inventorySeed';
import type { TempLockStatus } from '../src/domain/tempLock';
import { CheckInAnswer, GatewayStub, LockExpectation, SimulatedDevices, checkLocks } from './faultLocks';

const ROOT = resolve(__dirname, '..', '..');
const DEVICES = numberArg('--devices', 5000);
const LOCKS = numberArg('--locks', 20);
const LOCK_MINUTES = 15; // with TEMP_LOCK_MINUTE_MS=1000 a lock lasts 15 s
const ROUND_TIMEOUT_MS = numberArg('--round-timeout-s', 300) * 1000;

const ports = { TEMPORAL_PORT: '27233', TEMPORAL_UI_PORT: '28233', PG_PORT: '25432', MONGO_PORT: '27217', FERRETDB_DEBUG_PORT: '27317' };
const dataDir = join(ROOT, '.data', 'faults');
const serviceEnv: NodeJS.ProcessEnv = { ...withoutServiceUrls(process.env), ...ports, DO_DATA_DIR: dataDir };
const urls = {
  TEMPORAL_ADDRESS: `127.0.0.1:${ports.TEMPORAL_PORT}`,
  DATABASE_URL: `postgres://postgres@127.0.0.1:${ports.PG_PORT}/device_orchestrator`,
  MONGO_URL: `mongodb://127.0.0.1:${ports.MONGO_PORT}/`,
  // services.sh runs this stack's FerretDB on its PostgreSQL: the app gives it its lookup indexes.
  FERRETDB_POSTGRES_URL: `postgres://postgres@127.0.0.1:${ports.PG_PORT}/ferretdb`,
};
const API_PORT = 23000;
const API = `http://127.0.0.1:${API_PORT}`;

interface Fault {
  name: string;
  /** Before the round's locks are assigned (e.g. make the gateway slow for their lock commands). */
  beforeLocks?: (ctx: FaultContext) => void;
  inject: (ctx: FaultContext) => Promise<void>;
  /** The round's locks last this many (second-long) minutes (default LOCK_MINUTES). */
  lockMinutes?: number;
  /** The devices check in from the start (default); false: only once the fault starts them. */
  devicesCheckInFromStart?: boolean;
  locks?: LockExpectation;
}
interface FaultContext {
  restartWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  startWorker(): void;
  gateway: GatewayStub;
  devices: SimulatedDevices;
  lockUids: string[];
  /** Waits until every lock of the round has reached `status`. */
  waitForLocks(status: TempLockStatus): Promise<void>;
  /** Waits until the round's first lock to end is within `ms` of its end (inside its unlock lead). */
  waitForLockEnd(ms: number): Promise<void>;
  cancelLocks(): Promise<void>;
}

const faults: Fault[] = [
  {
    name: 'worker killed (SIGKILL) during the unlock lead, new worker started',
    lockMinutes: 45,
    inject: async (ctx) => {
      // The unlock lead is min(TEMP_LOCK_UNLOCK_LEAD_MS, a quarter of the lock) = 4 s: kill 2 s before the first end.
      await ctx.waitForLockEnd(2000);
      await ctx.restartWorker();
    },
  },
  {
    name: 'worker down for 15 s while the devices check in',
    devicesCheckInFromStart: false,
    locks: { activatedByTheirCheckIn: true },
    inject: async (ctx) => {
      await ctx.waitForLocks('ACTIVATING');
      await ctx.stopWorker();
      ctx.devices.start();
      await delay(15_000);
      ctx.startWorker();
    },
  },
  {
    name: 'Temporal dev server restarted',
    inject: async () => {
      services('stop-temporal');
      services('start-temporal');
    },
  },
  {
    name: 'PostgreSQL stopped for 20 s',
    inject: async () => {
      services('stop-postgres');
      await delay(20_000);
      services('start-postgres');
    },
  },
  {
    name: 'FerretDB (MongoDB) restarted',
    inject: async () => {
      services('stop-ferretdb');
      services('start-ferretdb');
    },
  },
  {
    name: 'device-control gateway failing for 30 s',
    inject: async (ctx) => {
      ctx.gateway.failFor(30_000);
      await delay(30_000);
    },
  },
  {
    name: 'gateway slow (20 s answers) during cancels',
    lockMinutes: 600,
    locks: { ends: 'CANCELLED' },
    beforeLocks: (ctx) => ctx.gateway.slowFor(60_000, 20_000),
    inject: async (ctx) => {
      await ctx.cancelLocks();
      await delay(45_000);
    },
  },
  {
    name: 'gateway refuses the locked devices (404)',
    locks: { ends: 'FAILED' },
    beforeLocks: (ctx) => ctx.gateway.refuseDevices(ctx.lockUids),
    inject: async () => undefined,
  },
];

interface RoundResult {
  fault: string;
  ok: boolean;
  seconds: number;
  rows: { total: number; succeeded: number; failed: number; pending: number };
  duplicateResults: number;
  assignmentsTwice: number;
  duplicateMilestones: number;
  milestones: number;
  locksUnlocked: number;
  locksEnded: string;
  maxUnlockLatenessMs: number;
  problems: string[];
}

async function main(): Promise<void> {
  const only = stringArg('--only');
  const selected = only ? faults.filter((f) => f.name.toLowerCase().includes(only.toLowerCase())) : faults;
  log(`fault suite: ${selected.length} faults, ${DEVICES} devices per batch, ${LOCKS} temp locks per round; data in ${dataDir}`);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  services('start');

  const gateway = await GatewayStub.start();
  const appEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...urls,
    API_PORT: String(API_PORT),
    GATEWAY_URL: gateway.url,
    GATEWAY_TIMEOUT_MS: '2000',
    TEMP_LOCK_MINUTE_MS: '1000',
    TEMP_LOCK_DEACTIVATION_WAIT_MS: '20000',
    LOG_LEVEL: 'warn',
  };
  execFileSync('node', ['dist/db/migrate-cli.js'], { cwd: ROOT, env: appEnv, stdio: 'inherit' });

  const pool = createPgPool(urls.DATABASE_URL, 5);
  pool.on('error', () => undefined);
  const mongo = await connectMongo(urls.MONGO_URL, 'device_orchestrator');
  const procs = new Processes(appEnv);
  procs.start('worker', 'dist/workers/main.js');
  procs.start('api', 'dist/api/server.js');
  await waitUntil('API ready', async () => (await fetch(`${API}/readyz`).catch(() => null))?.ok === true, 60_000);

  const results: RoundResult[] = [];
  try {
    for (const [i, fault] of selected.entries()) {
      log(`round ${i + 1}/${selected.length}: ${fault.name}`);
      const workerControl = {
        restartWorker: () => procs.restart('worker', 'dist/workers/main.js'),
        stopWorker: () => procs.kill('worker'),
        startWorker: () => procs.start('worker', 'dist/workers/main.js'),
      };
      results.push(await runRound(i, fault, workerControl, pool, mongo, gateway));
      printTable(results);
    }
  } finally {
    procs.stopAll();
    gateway.close();
    await pool.end().catch(() => undefined);
    await mongo.client.close().catch(() => undefined);
    // --keep leaves the services up for a post-mortem (temporal workflow list --address ...).
    if (!process.argv.includes('--keep')) services('stop');
  }
  const failed = results.filter((r) => !r.ok);
  log(failed.length === 0 ? 'every fault survived with the invariants intact' : `${failed.length} fault(s) broke an invariant`);
  for (const r of failed) log(`  ${r.fault}: ${r.problems.join('; ')}`);
  // The plain closing line CI reads, counting faults as tests.
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  process.exit(failed.length === 0 ? 0 : 1);
}

async function runRound(
  round: number,
  fault: Fault,
  workerControl: Pick<FaultContext, 'restartWorker' | 'stopWorker' | 'startWorker'>,
  pool: Pool,
  mongo: MongoStores,
  gateway: GatewayStub,
): Promise<RoundResult> {
  const tenantId = `faults-${Date.now().toString(36)}-${round}`;
  const { apiKey, gatewayKey, workflowId, batchUids, lockUids } = await seedRound(pool, mongo, tenantId, round);
  const started = Date.now();

  const devices = new SimulatedDevices(lockUids, (uid) => checkIn(uid, gatewayKey));
  const lockActions = new Map<string, string>();
  const ctx: FaultContext = {
    ...workerControl,
    gateway,
    devices,
    lockUids,
    waitForLocks: (status) =>
      waitUntil(
        `every lock ${status}`,
        async () => (await mongo.deviceActions.countDocuments({ tenant_id: tenantId, status })) >= LOCKS,
        ROUND_TIMEOUT_MS,
      ),
    waitForLockEnd: async (ms) => {
      const first = await mongo.deviceActions.findOne({ tenant_id: tenantId, lock_ends_at: { $ne: null } }, { sort: { lock_ends_at: 1 } });
      const waitMs = (first?.lock_ends_at?.getTime() ?? 0) - ms - Date.now();
      if (waitMs < -ms) log(`  no lock is in its unlock lead any more (the first ended ${-waitMs - ms} ms ago)`);
      await delay(Math.max(0, waitMs));
    },
    cancelLocks: async () => {
      for (const uid of lockUids) await api('DELETE', `/v1/devices/${uid}/temp-lock`, apiKey);
    },
  };
  fault.beforeLocks?.(ctx);

  const batchId = await uploadBatch(apiKey, workflowId, batchUids);
  for (const uid of lockUids) {
    const res = await api('PUT', `/v1/devices/${uid}/temp-lock`, apiKey, {
      durationMinutes: fault.lockMinutes ?? LOCK_MINUTES,
      workingHours: false,
    });
    if (res.status !== 202) throw new Error(`temp lock for ${uid}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    lockActions.set(uid, (res.body as { actionId: string }).actionId);
  }
  if (fault.devicesCheckInFromStart !== false) devices.start();

  // Inject once the batch is well under way, so the fault lands in the middle of it.
  await waitUntil('batch 20% done', async () => (await rowCounts(pool, batchId)).done >= DEVICES * 0.2, ROUND_TIMEOUT_MS);
  log(`  injecting: ${fault.name}`);
  await fault.inject(ctx);
  log('  fault over; waiting for the batch and the locks to finish');

  const problems: string[] = [];
  await waitUntil(
    'batch finished',
    async () =>
      (await pool.query('SELECT finished_at FROM t_batch_action WHERE id = $1', [batchId]).catch(() => ({ rows: [] }))).rows[0]
        ?.finished_at != null,
    ROUND_TIMEOUT_MS,
  ).catch((err) => problems.push((err as Error).message));
  const lockEnd = fault.locks?.ends ?? 'DEACTIVATED';
  await waitUntil(
    `every temp lock ${lockEnd}`,
    async () => (await mongo.deviceActions.countDocuments({ tenant_id: tenantId, status: lockEnd }).catch(() => -1)) >= LOCKS,
    ROUND_TIMEOUT_MS,
  ).catch((err) => problems.push((err as Error).message));
  devices.stop();
  const seconds = (Date.now() - started) / 1000;

  const rows = await rowCounts(pool, batchId);
  const duplicateResults = Number(
    (
      await pool.query(
        `SELECT count(*) AS n FROM (SELECT device_uid FROM t_batch_action_device WHERE batch_action_id = $1 GROUP BY device_uid HAVING count(*) > 1) d`,
        [batchId],
      )
    ).rows[0].n,
  );
  const milestoneRows = await pool.query(
    `SELECT count(*) AS total, count(*) - count(DISTINCT (device_id, milestone_type)) AS dup
       FROM t_device_history WHERE batch_action_id = $1`,
    [batchId],
  );
  const steps = await mongo.deviceWorkflowSteps.find({ tenant_id: tenantId }, { projection: { device_uid: 1 } }).toArray();
  const stepsPerDevice = new Map<string, number>();
  for (const s of steps) stepsPerDevice.set(s.device_uid, (stepsPerDevice.get(s.device_uid) ?? 0) + 1);
  const assignmentsTwice = [...stepsPerDevice.values()].filter((n) => n > 1).length;
  const locks = await checkLocks(mongo, lockActions, gateway, devices, fault.locks ?? {});
  problems.push(...locks.problems);

  if (rows.pending !== 0) problems.push(`${rows.pending} rows still PENDING`);
  if (rows.succeeded !== DEVICES) problems.push(`${rows.succeeded}/${DEVICES} rows SUCCEEDED (failed: ${rows.failed})`);
  if (duplicateResults !== 0) problems.push(`${duplicateResults} devices with more than one result row`);
  if (assignmentsTwice !== 0) problems.push(`${assignmentsTwice} devices assigned twice`);
  if (steps.length !== DEVICES) problems.push(`${steps.length} workflow-step documents for ${DEVICES} devices`);
  if (Number(milestoneRows.rows[0].dup) !== 0) problems.push(`${milestoneRows.rows[0].dup} duplicated milestones`);
  return {
    fault: fault.name,
    ok: problems.length === 0,
    seconds,
    rows,
    duplicateResults,
    assignmentsTwice,
    duplicateMilestones: Number(milestoneRows.rows[0].dup),
    milestones: Number(milestoneRows.rows[0].total),
    locksUnlocked: locks.unlocked,
    locksEnded: `${locks.ended}/${LOCKS} ${lockEnd}`,
    maxUnlockLatenessMs: locks.maxUnlockLatenessMs,
    problems,
  };
}

async function seedRound(pool: Pool, mongo: MongoStores, tenantId: string, round: number) {
  await upsertTenant(pool, tenantId, `Fault round ${round}`);
  const apiKey = await createApiKey(pool, tenantId, 'fault-operator', 'operator');
  const gatewayKey = await createApiKey(pool, tenantId, 'fault-gateway', 'device_gateway');
  const workflowId = await upsertWorkflowVersion(mongo, { name: 'Fault-suite policy', tenantId, serviceTypeId: 1 });
  const prefix = `36${String(round).padStart(2, '0')}${Date.now().toString().slice(-3)}`;
  const batchUids = Array.from({ length: DEVICES }, (_, i) => imeiWithCheckDigit(`${prefix}0${String(i).padStart(6, '0')}`));
  const lockUids = Array.from({ length: LOCKS }, (_, i) => imeiWithCheckDigit(`${prefix}1${String(i).padStart(6, '0')}`));
  await insertDevices(pool, tenantId, [
    ...batchUids.map((uid) => ({ uid, stateId: DeviceState.READY_FOR_USE })),
    ...lockUids.map((uid) => ({ uid, stateId: DeviceState.ACTIVE })),
  ]);
  // Temp locks are offered only to devices with an active workflow.
  for (const uid of lockUids) {
    await mongo.devices.updateOne(
      { tenant_id: tenantId, device_uid: uid },
      {
        $set: {
          tenant_id: tenantId,
          device_uid: uid,
          is_activating_workflow: false,
          workflow_version_id: workflowId,
          workflow: { workflowId, workflowName: 'Fault-suite policy', assignedAt: new Date(), assignedBy: 'fault-suite' },
          updated_at: new Date(),
        },
      },
      { upsert: true },
    );
  }
  return { apiKey, gatewayKey, workflowId, batchUids, lockUids };
}

async function uploadBatch(apiKey: string, workflowId: string, uids: string[]): Promise<string> {
  const res = await fetch(`${API}/v1/batches?mode=assign&workflowId=${workflowId}`, {
    method: 'POST',
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'text/csv' },
    body: ['deviceUid', ...uids].join('\n') + '\n',
  });
  const body = (await res.json()) as { batchId?: string };
  if (res.status !== 202 || !body.batchId) throw new Error(`upload: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.batchId;
}

async function rowCounts(pool: Pool, batchId: string) {
  const { rows } = await pool
    .query(
      `SELECT count(*) AS total, count(*) FILTER (WHERE status = 'SUCCEEDED') AS succeeded,
              count(*) FILTER (WHERE status = 'FAILED') AS failed, count(*) FILTER (WHERE status = 'PENDING') AS pending
         FROM t_batch_action_device WHERE batch_action_id = $1`,
      [batchId],
    )
    .catch(() => ({ rows: [{ total: 0, succeeded: 0, failed: 0, pending: -1 }] }));
  const r = rows[0];
  const counts = { total: Number(r.total), succeeded: Number(r.succeeded), failed: Number(r.failed), pending: Number(r.pending) };
  return { ...counts, done: counts.pending < 0 ? 0 : counts.total - counts.pending };
}

class Processes {
  private readonly children = new Map<string, ChildProcess>();
  constructor(private readonly env: NodeJS.ProcessEnv) {}
  start(name: string, script: string): void {
    const child = spawn('node', [script], { cwd: ROOT, env: this.env, stdio: ['ignore', 'ignore', 'inherit'] });
    this.children.set(name, child);
  }
  async restart(name: string, script: string): Promise<void> {
    await this.kill(name);
    this.start(name, script);
  }
  /** SIGKILL: the process gets no chance to finish anything. */
  async kill(name: string): Promise<void> {
    const child = this.children.get(name);
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  stopAll(): void {
    for (const child of this.children.values()) if (child.exitCode === null) child.kill('SIGTERM');
  }
}

function services(command: string): void {
  execFileSync('bash', ['scripts/services.sh', command], { cwd: ROOT, env: serviceEnv, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function api(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function checkIn(uid: string, gatewayKey: string): Promise<CheckInAnswer> {
  const { status, body } = await api('POST', `/v1/devices/${uid}/check-in`, gatewayKey, {});
  return { status, ...(body as Omit<CheckInAnswer, 'status'>) };
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await delay(250);
  }
}

function printTable(results: RoundResult[]): void {
  const header = [
    'fault',
    'outcome',
    's',
    'rows ok/failed/pending',
    'dup results',
    'assigned twice',
    'milestones (dup)',
    'unlocks sent',
    'locks ended',
    'max unlock late',
  ];
  const lines = results.map((r) => [
    r.fault,
    r.ok ? 'SURVIVED' : 'BROKEN',
    r.seconds.toFixed(0),
    `${r.rows.succeeded}/${r.rows.failed}/${r.rows.pending}`,
    String(r.duplicateResults),
    String(r.assignmentsTwice),
    `${r.milestones} (${r.duplicateMilestones})`,
    `${r.locksUnlocked}/${LOCKS}`,
    r.locksEnded,
    `${(r.maxUnlockLatenessMs / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(['', row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row), ''].join('\n'));
}

function withoutServiceUrls(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy.TEMPORAL_ADDRESS;
  delete copy.DATABASE_URL;
  delete copy.FERRETDB_POSTGRES_URL;
  delete copy.MONGO_URL;
  return copy;
}

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function stringArg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function log(message: string): void {
  console.log(`[faults] ${message}`);
}

main().catch((err) => {
  console.error(`[faults] ${(err as Error).stack ?? err}`);
  try {
    if (!process.argv.includes('--keep')) services('stop');
  } catch {
    /* already down */
  }
  process.exit(1);
});
