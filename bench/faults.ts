// `npm run test:faults`: the product's promises under faults. On a stack of its own (own ports and
// data folder, bench/faultStack.ts), for each fault in turn: run a 5,000-device batch and a set of
// temp locks, inject the fault at its moment, wait (at most the round timeout) for everything to
// finish, then check the invariants by querying the stores, and print a table of fault, outcome and
// counts. A round that runs out of time is BROKEN with what was still pending. Exits non-zero if any
// round broke; every process it started is stopped on every way out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { Pool } from 'pg';
import { DeviceState } from '../src/devices/states';
import { imeiWithCheckDigit, createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion } from '../dev/inventorySeed';
import { connectMongo, MongoStores } from '../src/platform/db/mongo';
import { createPgPool } from '../src/platform/db/postgres';
import type { TempLockStatus } from '../src/tempLocks/lock';
import { FINAL_TEMP_LOCK_STATUSES } from '../src/tempLocks/lock';
import { CheckInAnswer, GatewayStub, LockExpectation, SimulatedDevices, checkLocks } from './faultLocks';
import {
  API_PORT,
  API_PORT_2,
  Processes,
  ROOT,
  assertPortsFree,
  cluster,
  dataDir,
  installStopOnInterrupt,
  logDir,
  logSizes,
  onCluster,
  services,
  stopEverythingAndExit,
  urls,
} from './faultStack';

const DEVICES = numberArg('--devices', 5000);
const LOCKS = numberArg('--locks', 20);
const LOCK_MINUTES = 15; // with TEMP_LOCK_MINUTE_MS=1000 a lock lasts 15 s
const ROUND_TIMEOUT_MS = numberArg('--round-timeout-s', 300) * 1000;

const API = `http://127.0.0.1:${API_PORT}`;
/** With --cluster: two API processes; the devices' check-ins go to either, as through a load balancer. */
const APIS = onCluster ? [API, `http://127.0.0.1:${API_PORT_2}`] : [API];
/** With --cluster: two worker processes. */
const WORKERS = onCluster ? ['worker-1', 'worker-2'] : ['worker'];

interface Fault {
  name: string;
  /** Inject once this share of the batch's rows is done (default 0.2). */
  injectAtBatchShare?: number;
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
  /** With --cluster: SIGKILL to the second API process / start it again. */
  killApi(): Promise<void>;
  startApi(): void;
}

/** The worker (on the cluster: the second of two) SIGKILLed in the locks' unlock lead, and started again. */
function workerKilledInUnlockLead(name: string): Fault {
  return {
    name,
    lockMinutes: 45,
    inject: async (ctx) => {
      // The unlock lead is min(TEMP_LOCK_UNLOCK_LEAD_MS, a quarter of the lock) = 4 s: kill 2 s before the first end.
      await ctx.waitForLockEnd(2000);
      await ctx.restartWorker();
    },
  };
}

const faults: Fault[] = [
  workerKilledInUnlockLead('worker killed (SIGKILL) during the unlock lead, new worker started'),
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
      await services('stop-temporal');
      await services('start-temporal');
    },
  },
  {
    name: 'PostgreSQL stopped for 20 s',
    inject: async () => {
      await services('stop-postgres');
      await delay(20_000);
      await services('start-postgres');
    },
  },
  // FerretDB at three moments of a batch and of the locks' lives: the MongoDB client of every process
  // must find it again (issue 21: a worker's client once never did).
  {
    name: 'FerretDB restarted as the batch starts, locks ACTIVATING',
    injectAtBatchShare: 0,
    devicesCheckInFromStart: false,
    inject: async (ctx) => {
      await ctx.waitForLocks('ACTIVATING');
      await restartFerretdb();
      ctx.devices.start();
    },
  },
  {
    name: 'FerretDB restarted mid-batch, locks ACTIVATED',
    injectAtBatchShare: 0.5,
    lockMinutes: 120,
    inject: async (ctx) => {
      await ctx.waitForLocks('ACTIVATED');
      await restartFerretdb();
    },
  },
  {
    name: "FerretDB restarted during the locks' unlock lead",
    lockMinutes: 45,
    inject: async (ctx) => {
      await ctx.waitForLockEnd(2000);
      await restartFerretdb();
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

/** The rounds of `--cluster`: a process of the Temporal cluster, or one of two workers or APIs, killed and restarted. */
const clusterFaults: Fault[] = [
  // What the stack does with no fault at all, on the same machine at the same time: the other rounds' unlock
  // lateness and duration read against it.
  { name: 'no fault (baseline)', inject: async () => undefined },
  ...(['history', 'matching'] as const).map((service): Fault => ({
    name: `Temporal ${service} process killed (SIGKILL), restarted`,
    inject: async () => {
      await cluster('kill', `temporal-${service}`);
      await cluster('start-temporal');
    },
  })),
  workerKilledInUnlockLead('one of two workers killed (SIGKILL) during the unlock lead, restarted'),
  {
    name: 'one of two API processes killed (SIGKILL) while devices check in, restarted 10 s later',
    locks: { activatedByTheirCheckIn: true },
    inject: async (ctx) => {
      await ctx.killApi();
      await delay(10_000);
      ctx.startApi();
    },
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
  /** Seconds from the round's start: fault injected, fault over, batch finished, locks ended. */
  times: Record<string, number>;
  problems: string[];
}

let procs: Processes | null = null;
const keepServices = process.argv.includes('--keep'); // leaves the services up for a post-mortem

async function main(): Promise<void> {
  installStopOnInterrupt(() => procs, keepServices);
  const only = stringArg('--only');
  const suite = onCluster ? clusterFaults : faults;
  const selected = only ? suite.filter((f) => f.name.toLowerCase().includes(only.toLowerCase())) : suite;
  log(`fault suite: ${selected.length} faults, ${DEVICES} devices per batch, ${LOCKS} temp locks per round; data in ${dataDir}`);
  await assertPortsFree();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  if (onCluster) {
    await services('start-postgres');
    await services('start-ferretdb');
    await cluster('start-temporal');
  } else {
    await services('start');
  }

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
    // Two workers cannot share the metrics address; the suite reads none.
    ...(onCluster ? { WORKER_METRICS_ADDRESS: '' } : {}),
  };
  execFileSync('node', ['dist/platform/db/migrate-cli.js'], { cwd: ROOT, env: appEnv, stdio: 'inherit', timeout: 120_000 });

  const pool = createPgPool(urls.DATABASE_URL, 5);
  const mongo = await connectMongo(urls.MONGO_URL, 'device_orchestrator');
  procs = new Processes(appEnv);
  const children = procs;
  for (const name of WORKERS) children.start(name, 'dist/platform/worker/main.js');
  const startApi2 = () => children.start('api-2', 'dist/platform/http/server.js', { API_PORT: String(API_PORT_2) });
  children.start('api', 'dist/platform/http/server.js');
  if (onCluster) startApi2();
  for (const base of APIS) {
    await waitUntil(
      `API ${base} ready`,
      async () => (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(5000) })).ok,
      Date.now() + 60_000,
    );
  }

  const results: RoundResult[] = [];
  // On the cluster the second worker is the one that goes; the first carries on.
  const worker = WORKERS[WORKERS.length - 1]!;
  const workerControl = {
    restartWorker: () => children.restart(worker, 'dist/platform/worker/main.js'),
    stopWorker: () => children.kill(worker),
    startWorker: () => children.start(worker, 'dist/platform/worker/main.js'),
    killApi: () => children.kill('api-2'),
    startApi: startApi2,
  };
  for (const [i, fault] of selected.entries()) {
    log(`round ${i + 1}/${selected.length}: ${fault.name}`);
    // The round's own waits end at its timeout; this bounds the seeding and the checks around them.
    const outcome = await bounded(runRound(i, fault, workerControl, pool, mongo, gateway), ROUND_TIMEOUT_MS + 180_000, 'the round').catch(
      (err: Error) => brokenRound(fault, err),
    );
    results.push(outcome);
    printTable(results);
  }
  const failed = results.filter((r) => !r.ok);
  log(failed.length === 0 ? 'every fault survived with the invariants intact' : `${failed.length} fault(s) broke an invariant`);
  for (const r of failed) log(`  ${r.fault}: ${r.problems.join('; ')}`);
  printLogSizes();
  // The plain closing line CI reads, counting faults as tests.
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  stopEverythingAndExit(procs, failed.length === 0 ? 0 : 1, keepServices);
}

async function runRound(
  round: number,
  fault: Fault,
  workerControl: Pick<FaultContext, 'restartWorker' | 'stopWorker' | 'startWorker' | 'killApi' | 'startApi'>,
  pool: Pool,
  mongo: MongoStores,
  gateway: GatewayStub,
): Promise<RoundResult> {
  const tenantId = `faults-${Date.now().toString(36)}-${round}`;
  const { apiKey, gatewayKey, workflowId, batchUids, lockUids } = await seedRound(pool, mongo, tenantId, round);
  const started = Date.now();
  // Every wait of the round ends by this instant; what is still pending then is reported.
  const deadline = started + ROUND_TIMEOUT_MS;
  const times: Record<string, number> = {};
  const mark = (phase: string) => (times[phase] = Math.round((Date.now() - started) / 1000));

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
        deadline,
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

  // Inject at the fault's moment of the batch (by default once it is well under way).
  const problems: string[] = [];
  const share = fault.injectAtBatchShare ?? 0.2;
  const timedOut = (err: unknown) => problems.push((err as Error).message);
  await waitUntil(`batch ${share * 100}% done`, async () => (await rowCounts(pool, batchId)).done >= DEVICES * share, deadline).catch(
    timedOut,
  );
  mark('inject');
  log(`  injecting: ${fault.name}`);
  await bounded(fault.inject(ctx), deadline - Date.now(), 'the fault to be injected').catch(timedOut);
  mark('over');
  log('  fault over; waiting for the batch and the locks to finish');

  await waitUntil(
    'batch finished',
    async () => (await pool.query('SELECT finished_at FROM t_batch_action WHERE id = $1', [batchId])).rows[0]?.finished_at != null,
    deadline,
  ).catch(timedOut);
  mark('batch');
  const lockEnd = fault.locks?.ends ?? 'DEACTIVATED';
  await waitUntil(
    `every temp lock ${lockEnd}`,
    async () => (await mongo.deviceActions.countDocuments({ tenant_id: tenantId, status: lockEnd })) >= LOCKS,
    deadline,
  ).catch(timedOut);
  mark('locks');
  devices.stop();
  const seconds = (Date.now() - started) / 1000;
  if (problems.length > 0) {
    const pending = await bounded(pendingWork(pool, mongo, batchId, tenantId), 30_000, 'the pending work').catch(
      (err: Error) => err.message,
    );
    log(`  BROKEN: ${fault.name}: ${problems.join('; ')}`);
    log(`  pending: ${pending}`);
  }

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
    times,
    problems,
  };
}

/** A round that could not finish its checks (a store down for good, a hung query): BROKEN with why. */
function brokenRound(fault: Fault, err: Error): RoundResult {
  log(`  BROKEN: ${fault.name}: ${err.message}`);
  return {
    fault: fault.name,
    ok: false,
    seconds: NaN,
    rows: { total: 0, succeeded: 0, failed: 0, pending: -1 },
    duplicateResults: -1,
    assignmentsTwice: -1,
    duplicateMilestones: -1,
    milestones: -1,
    locksUnlocked: 0,
    locksEnded: '?',
    maxUnlockLatenessMs: NaN,
    times: {},
    problems: [err.message],
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
  // 503 with a batch id: stored, and Temporal did not take the start within TEMPORAL_REQUEST_DEADLINE_MS; the
  // API's reconciler starts it later. The round's invariants then hold that promise to account too.
  if (res.status === 503 && body.batchId) {
    log(`  upload answered 503: batch ${body.batchId} stored, to be started by the reconciler`);
    return body.batchId;
  }
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

async function restartFerretdb(): Promise<void> {
  await services('stop-ferretdb');
  await services('start-ferretdb');
}

/** What a round left unfinished: rows still PENDING and locks not in a final status, with their ids. */
async function pendingWork(pool: Pool, mongo: MongoStores, batchId: string, tenantId: string): Promise<string> {
  const rows = await pool.query<{ device_uid: string }>(
    `SELECT device_uid FROM t_batch_action_device WHERE batch_action_id = $1 AND status = 'PENDING' ORDER BY device_uid`,
    [batchId],
  );
  const locks = await mongo.deviceActions
    .find({ tenant_id: tenantId, status: { $nin: [...FINAL_TEMP_LOCK_STATUSES] } }, { projection: { status: 1, device_uid: 1 } })
    .toArray();
  const rowIds = rows.rows.map((r) => r.device_uid);
  return [
    `batch ${batchId}: ${rowIds.length} rows PENDING${rowIds.length ? ` (${listed(rowIds)})` : ''}`,
    `${locks.length} locks not final${locks.length ? ` (${listed(locks.map((l) => `${l._id} ${l.device_uid} ${l.status}`))})` : ''}`,
  ].join('; ');
}

function listed(ids: string[], max = 20): string {
  return ids.length <= max ? ids.join(', ') : `${ids.slice(0, max).join(', ')}, … ${ids.length - max} more`;
}

/** `work`, or a rejection naming `what` once `ms` have passed (`work` is then left to itself). */
function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(ms / 1000)} s waiting for ${what}`)), Math.max(0, ms));
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function api(method: string, path: string, key: string, body?: unknown, base = API): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'X-API-Key': key, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

let nextApi = 0;
/** A device's check-in, through the API processes in turn; one that cannot be reached is passed over, as a load balancer does. */
async function checkIn(uid: string, gatewayKey: string): Promise<CheckInAnswer> {
  const first = nextApi++ % APIS.length;
  for (let i = 0; ; i++) {
    const base = APIS[(first + i) % APIS.length]!;
    try {
      const { status, body } = await api('POST', `/v1/devices/${uid}/check-in`, gatewayKey, {}, base);
      return { status, ...(body as Omit<CheckInAnswer, 'status'>) };
    } catch (err) {
      if (i + 1 >= APIS.length) throw err;
    }
  }
}

/** Polls `check` until it holds; rejects at `deadline` (a check that hangs counts as not holding). */
async function waitUntil(what: string, check: () => Promise<boolean>, deadline: number): Promise<void> {
  const started = Date.now();
  while (!(await bounded(check(), 15_000, what).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round((Date.now() - started) / 1000)} s waiting for ${what}`);
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
    'inject / over / batch / locks (s)',
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
    ['inject', 'over', 'batch', 'locks'].map((phase) => r.times[phase] ?? '-').join(' / '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(['', row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row), ''].join('\n'));
}

/** The run's logs (worker, API, Temporal, FerretDB): what an operator would have to keep and read. */
function printLogSizes(): void {
  const sizes = logSizes();
  const total = sizes.reduce((sum, l) => sum + l.bytes, 0);
  const lines = sizes.reduce((sum, l) => sum + l.lines, 0);
  log(`logs in ${logDir}: ${(total / 1e6).toFixed(2)} MB, ${lines} lines in all`);
  for (const l of sizes) log(`  ${l.file}: ${(l.bytes / 1e6).toFixed(2)} MB, ${l.lines} lines`);
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
  stopEverythingAndExit(procs, 1, keepServices);
});
