// `npm run bench:templock -- --locks N`: N concurrent temp locks on one in-process worker against the local
// services. Each lock lasts a random --min-s..--max-s seconds from its check-in (the simulated device checks
// in as soon as the lock command reaches it). Prints unlock lateness (the simulated gateway's time of the
// unlock command minus the lock's due time: p50, p99, max) and the peak RSS of the process (worker + client).
// Starts `tempLock` (what the API starts) with the configured unlock lead (TEMP_LOCK_UNLOCK_LEAD_MS, 4 s;
// `--lead-ms N` overrides, 0 for none). The simulated device's check-in is the signal the API would send.
// `--checkins-per-s N [--checkin-seconds 60] [--api-port 3902]`: the check-in latency run. The API runs as a
// child process; the devices check in through it (their reaction to the lock command, and N check-ins per
// second spread over all locks for --checkin-seconds once every lock is ACTIVATED); prints p50/p99/max of the
// API's answer. With locks longer than the activations plus --checkin-seconds (e.g. --min-s 150 --max-s 200) the
// check-ins meet 1,000 live locks and no unlocks; with the default 30-60 s the locks end during the check-ins.
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/platform/config';
import { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { lockBenchSetup } from './lockBenchSetup';
import { TaskPool, percentile, startProcess, stopProcess, waitUntil } from './support';
import { createApiKey } from '../dev/inventorySeed';
import { tempLockWorkflowId } from '../src/tempLocks/lock';
import { SimulatedDeviceControlGateway } from '../test/doubles/simulatedGateway';
import { createWorker } from '../src/platform/worker/createWorker';
import { createGatewayWorkers, runTogether, shutdownAll } from '../src/platform/worker/gatewayWorkers';
import { tempLock } from '../src/tempLocks/tempLockWorkflow';
import { TempLockInput, checkInSignal } from '../src/tempLocks/contract';
import { createActivities } from '../src/platform/worker/activities';

// The worker's settings (src/platform/config.ts): defaults for the slots and the unlock lead below.
const defaults = loadConfig();
const LOCKS = numberArg('--locks', 1000);
const MIN_S = numberArg('--min-s', 30);
const MAX_S = numberArg('--max-s', 60);
const START_CONCURRENCY = numberArg('--start-concurrency', 100);
const ACTIVITY_SLOTS = numberArg('--activity-slots', defaults.worker.maxActivities);
// Defaults: the worker's (src/platform/config.ts). Each unlock waiting out its lead holds an activity slot.
const LOCAL_ACTIVITY_SLOTS = numberArg('--local-activity-slots', defaults.worker.maxLocalActivities);
const WORKFLOW_TASK_SLOTS = numberArg('--workflow-task-slots', defaults.worker.maxWorkflowTasks);
const workflowType = tempLock;
// The timer fires this much before the lock's end and the unlock waits for the end (TEMP_LOCK_UNLOCK_LEAD_MS);
// `--lead-ms 0` measures the whole path from the timer to the command.
const LEAD_MS = process.argv.includes('--lead-ms') ? numberArg('--lead-ms', 0, { allowZero: true }) : defaults.tempLock.unlockLeadMs;
const DEACTIVATION_WAIT_MS = 2000;
const CHECKINS_PER_S = numberArg('--checkins-per-s', 0, { allowZero: true });
const CHECKIN_SECONDS = numberArg('--checkin-seconds', 60);
const API_PORT = numberArg('--api-port', 3902);

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const config = defaults;
  const { runId, taskQueue, tenantId, pool, mongo, client, nativeConnection, uids, deviceIds } = await lockBenchSetup(
    config,
    'templock',
    LOCKS,
    '86',
    30,
  );

  // The check-in latency run: the API as a child process, and the devices' check-ins through it.
  let api: ChildProcess | null = null;
  // The devices' answers to their lock commands (the activations), then the steady check-ins: timed apart.
  const activationLatencyMs: number[] = [];
  let checkInLatencyMs = activationLatencyMs;
  let checkInsRefused = 0;
  let checkInThroughApi: ((uid: string) => Promise<void>) | null = null;
  if (CHECKINS_PER_S > 0) {
    const gatewayKey = await createApiKey(pool, tenantId, 'bench-gateway', 'device_gateway');
    api = await startProcess(
      'api',
      'dist/platform/http/server.js',
      { ...process.env, TASK_QUEUE: taskQueue, API_PORT: String(API_PORT), LOG_LEVEL: 'warn' },
      () => false,
    );
    const apiUrl = `http://127.0.0.1:${API_PORT}`;
    await waitUntil(async () => (await fetch(`${apiUrl}/readyz`).catch(() => null))?.ok === true, 30_000);
    checkInThroughApi = async (uid) => {
      const started = performance.now();
      const res = await fetch(`${apiUrl}/v1/devices/${uid}/check-in`, { method: 'POST', headers: { 'X-API-Key': gatewayKey } });
      await res.arrayBuffer();
      checkInLatencyMs.push(performance.now() - started);
      if (res.status !== 200) checkInsRefused++;
    };
  }

  // In-memory only: the benchmark reads the commands in this process, and the store write is not what we measure.
  const gateway = new SimulatedDeviceControlGateway();
  const lateness: number[] = [];
  // Locks started and not yet unlocked: the benchmark's concurrency, peak printed with the figures.
  let alive = 0;
  let peakAlive = 0;
  const checkIns = new TaskPool(200);
  let checkInFailures = 0;
  let lastCheckInAt = Date.now();
  gateway.onCommand((command) => {
    if (command.kind === 'LOCK') {
      // The device reacts to the lock command by checking in, which activates the lock.
      void checkIns.run(async () => {
        const handle = client.workflow.getHandle(tempLockWorkflowId(tenantId, command.deviceUid));
        if (checkInThroughApi) {
          await checkInThroughApi(command.deviceUid).then(
            () => (lastCheckInAt = Date.now()),
            () => checkInFailures++,
          );
          return;
        }
        const checkedInAt = Date.now();
        // What the API signals for a check-in answered LOCK (the lock's document says ACTIVATING once its command is out).
        const checkIn = {
          checkInId: randomUUID(),
          checkedInAt,
          lockStartsAt: checkedInAt,
          answer: { actionId: command.actionId, directive: 'LOCK' as const },
        };
        await handle.signal(checkInSignal, checkIn).then(
          () => (lastCheckInAt = Date.now()),
          () => checkInFailures++,
        );
      });
    } else if (command.dueAt != null) {
      lateness.push(command.sentAt - command.dueAt);
      alive--;
    }
  });

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const worker = await createWorker({
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue,
    activities: createActivities({ pool, mongo, gateway }),
    tuning: {
      maxCachedWorkflows: LOCKS + 100,
      maxConcurrentActivityTaskExecutions: ACTIVITY_SLOTS,
      maxConcurrentLocalActivityExecutions: LOCAL_ACTIVITY_SLOTS,
      maxConcurrentWorkflowTaskExecutions: WORKFLOW_TASK_SLOTS,
    },
  });
  // The gateway's commands on their own workers, with the configured rate and slots (GATEWAY_*), as in the worker process.
  const gatewayWorkers = await createGatewayWorkers({
    connection: nativeConnection,
    namespace: config.temporal.namespace,
    taskQueue,
    deps: { pool, mongo, gateway },
    limits: config.gateway,
  });
  const running = runTogether([worker, ...gatewayWorkers]);

  const started = Date.now();
  const starts = new TaskPool(START_CONCURRENCY);
  for (const uid of uids) {
    const durationMs = Math.round((MIN_S + Math.random() * (MAX_S - MIN_S)) * 1000);
    const input: TempLockInput = {
      actionId: randomUUID(),
      tenantId,
      deviceUid: uid,
      deviceId: deviceIds.get(uid)!,
      serviceTypeId: 1,
      durationMinutes: Math.max(1, Math.round(durationMs / 60_000)),
      durationMs,
      workingHours: false,
      notification: { bench: runId },
      requestedBy: 'bench',
      deactivationWaitMs: DEACTIVATION_WAIT_MS,
      unlockLeadMs: LEAD_MS,
      gatewayTimeoutMs: defaults.gateway.timeoutMs,
    };
    await starts.run(() =>
      client.workflow.start(workflowType, { taskQueue, workflowId: tempLockWorkflowId(tenantId, uid), args: [input] }).then(() => {
        peakAlive = Math.max(peakAlive, ++alive);
      }),
    );
  }
  await starts.drain();
  const startSeconds = (Date.now() - started) / 1000;
  console.log(
    `started ${LOCKS} ${workflowType.name} locks in ${startSeconds.toFixed(1)} s (${Math.round(LOCKS / startSeconds)}/s); ` +
      `durations ${MIN_S}-${MAX_S} s; unlock lead ${LEAD_MS} ms`,
  );

  if (checkInThroughApi) {
    // The activations first (each lock command answered by its device's check-in), then the steady check-ins.
    const activatedBy = Date.now() + (MAX_S + 600) * 1000;
    const activated = () => mongo.deviceActions.countDocuments({ tenant_id: tenantId, seq: { $gte: 3 } });
    while ((await activated()) < LOCKS && Date.now() < activatedBy) await new Promise((r) => setTimeout(r, 500));
    console.log(`all ${LOCKS} locks activated after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    checkInLatencyMs = [];
    await steadyCheckIns(uids, checkInThroughApi);
  }

  // A lock ends at most --max-s after its check-in, and activating 10,000 takes minutes: wait for the check-ins,
  // then up to --max-s + 10 minutes after the last one (a slow server's unlocks are late, not missing).
  const waiting = () => checkIns.pending > 0 || Date.now() < lastCheckInAt + (MAX_S + 600) * 1000;
  while (lateness.length < LOCKS && waiting()) {
    await new Promise((r) => setTimeout(r, 10_000));
    process.stdout.write(`unlocks ${lateness.length}/${LOCKS}, check-ins pending ${checkIns.pending}\n`);
  }
  process.stdout.write('\n');
  const unlockedSeconds = Math.round((Date.now() - started) / 1000);
  const sorted = [...lateness].sort((a, b) => a - b);
  const report = () => ({
    locks: LOCKS,
    unlocks: sorted.length,
    checkInFailures,
    peakConcurrentLocks: peakAlive,
    unlockLeadMs: LEAD_MS,
    latenessMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN, min: sorted[0] ?? NaN },
    peakRssMiB: Math.round(peakRss / 1024 / 1024),
    secondsToLastUnlock: unlockedSeconds,
    ...(CHECKINS_PER_S > 0
      ? { activations: checkInReport(activationLatencyMs, 0), checkIns: checkInReport(checkInLatencyMs, checkInsRefused) }
      : {}),
  });
  console.log(JSON.stringify(report(), null, 2));

  // Let the locks finish (status writes, then DEACTIVATING's bounded wait) so the worker stops with nothing pending.
  const done = new TaskPool(200);
  for (const uid of uids)
    await done.run(() =>
      client.workflow
        .getHandle(tempLockWorkflowId(tenantId, uid))
        .result()
        .then(
          () => undefined,
          () => undefined,
        ),
    );
  await done.drain();
  clearInterval(sampler);
  console.log(
    JSON.stringify({ allFinishedAfterSeconds: Math.round((Date.now() - started) / 1000), peakRssMiB: Math.round(peakRss / 1024 / 1024) }),
  );
  shutdownAll([worker, ...gatewayWorkers]);
  await running;
  if (api) await stopProcess(api);
  await Promise.all([pool.end(), mongo.client.close(), nativeConnection.close(), client.connection.close()]);
}

/** CHECKINS_PER_S check-ins a second, round-robin over the devices, for CHECKIN_SECONDS; each one's answer is timed. */
async function steadyCheckIns(uids: string[], checkIn: (uid: string) => Promise<void>): Promise<void> {
  const perTick = CHECKINS_PER_S / 20;
  let owed = 0;
  let next = 0;
  const inFlight = new Set<Promise<void>>();
  const until = Date.now() + CHECKIN_SECONDS * 1000;
  console.log(`check-ins: ${CHECKINS_PER_S}/s over ${uids.length} devices for ${CHECKIN_SECONDS} s`);
  while (Date.now() < until) {
    for (owed += perTick; owed >= 1; owed--) {
      const sent = checkIn(uids[next++ % uids.length]!).catch(() => undefined);
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(inFlight);
}

function checkInReport(latencyMs: number[], refused: number) {
  const sorted = [...latencyMs].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    answered: sorted.length,
    refused,
    latencyMs: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? NaN) },
  };
}

/** Runs at most `limit` tasks at once; `run` waits for a free slot. */

function numberArg(name: string, fallback: number, { allowZero = false } = {}): number {
  const index = process.argv.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0 || (value === 0 && !allowZero)) throw new Error(`${name} needs a positive number`);
  return value;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
