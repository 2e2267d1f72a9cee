// `npm run bench:gateway -- [--locks 1000] [--rate R] [--lock-s 20] [--answer-ms 50]`: a storm of N temp locks due at
// the same instant, against the local services, on one in-process worker with its gateway workers
// (src/platform/worker/gatewayWorkers.ts) and the product's gateway client (grouped commands over HTTP) toward the
// simulated gateway (dev/gatewaySimulator.ts) answering each request in --answer-ms. The locks are started ahead with a
// start delay that ends at one instant (the storm); each device checks in as soon as its LOCK reaches the gateway, so
// its lock runs --lock-s from then and the UNLOCKs come due together too. Prints the requests sent and devices per
// request of each kind, the lateness of the last LOCK after the storm's instant, and the UNLOCKs' lateness after their
// due times (p50, p99, max). GATEWAY_COMMANDS_PER_SECOND (--rate overrides it) and GATEWAY_GROUP_* apply as in the worker.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { startGatewaySimulator, ReceivedRequest } from '../dev/gatewaySimulator';
import { createDeviceControlGateway } from '../src/devices/gateway/createGateway';
import { loadConfig } from '../src/platform/config';
import { createActivities } from '../src/platform/worker/activities';
import { createWorker } from '../src/platform/worker/createWorker';
import { createGatewayWorkers, runTogether, shutdownAll } from '../src/platform/worker/gatewayWorkers';
import { TempLockInput, checkInSignal } from '../src/tempLocks/contract';
import { tempLockWorkflowId } from '../src/tempLocks/lock';
import { tempLock } from '../src/tempLocks/tempLockWorkflow';
import { lockBenchSetup } from './lockBenchSetup';
import { TaskPool, log, numberArg, percentile } from './support';

const config = loadConfig();
const LOCKS = numberArg('--locks', 1000);
const RATE = numberArg('--rate', config.gateway.commandsPerSecond);
const LOCK_MS = numberArg('--lock-s', 20) * 1000;
const ANSWER_MS = numberArg('--answer-ms', 50);
/** Workflow starts (and check-in signals) in flight at once. */
const CONCURRENCY = 100;

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const {
    runId,
    taskQueue,
    tenantId,
    pool,
    mongo,
    client,
    nativeConnection: connection,
    uids,
    deviceIds,
  } = await lockBenchSetup(config, 'gateway', LOCKS, '87', 20);
  const requests: ReceivedRequest[] = [];
  const checkIns = new TaskPool(CONCURRENCY);
  const simulator = await startGatewaySimulator({
    answerMs: ANSWER_MS,
    onRequest: (request) => {
      requests.push(request);
      if (request.kind !== 'LOCK') return;
      // Each device checks in on its LOCK push: what the API signals for a check-in answered LOCK.
      for (const { deviceUid, actionId } of request.devices) {
        void checkIns.run(() => {
          const checkedInAt = Date.now();
          return client.workflow.getHandle(tempLockWorkflowId(tenantId, deviceUid)).signal(checkInSignal, {
            checkInId: randomUUID(),
            checkedInAt,
            lockStartsAt: checkedInAt,
            answer: { actionId, directive: 'LOCK' },
          });
        });
      }
    },
  });
  const gatewaySettings = { ...config.gateway, url: simulator.url, commandsPerSecond: RATE };
  const gateway = createDeviceControlGateway({ ...config, gateway: gatewaySettings });
  const deps = { pool, mongo, gateway };
  const workers = [
    await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      activities: createActivities(deps),
      tuning: { maxCachedWorkflows: LOCKS + 100 },
    }),
    ...(await createGatewayWorkers({ connection, namespace: config.temporal.namespace, taskQueue, deps, limits: gatewaySettings })),
  ];
  const running = runTogether(workers);

  // Every lock starts at the storm's instant: far enough ahead for all the starts to be sent before it.
  const stormAt = Date.now() + Math.max(15_000, LOCKS * 8);
  const { groupWaitMs, groupMaxDevices, requestsPerSecond, maxConcurrentCommands, maxConcurrentUnlocks } = gatewaySettings;
  log(
    `${LOCKS} locks due at once in ${((stormAt - Date.now()) / 1000).toFixed(0)} s; GATEWAY_COMMANDS_PER_SECOND=${RATE}, ` +
      `GATEWAY_GROUP_WAIT_MS=${groupWaitMs}, GATEWAY_GROUP_MAX=${groupMaxDevices}, GATEWAY_REQUESTS_PER_SECOND=${requestsPerSecond}, ` +
      `GATEWAY_MAX_CONCURRENT_COMMANDS=${maxConcurrentCommands}, GATEWAY_MAX_CONCURRENT_UNLOCKS=${maxConcurrentUnlocks}; gateway answers in ${ANSWER_MS} ms`,
  );
  const starts = new TaskPool(CONCURRENCY);
  for (const uid of uids) {
    const input: TempLockInput = {
      actionId: randomUUID(),
      tenantId,
      deviceUid: uid,
      deviceId: deviceIds.get(uid)!,
      serviceTypeId: 1,
      durationMinutes: 1,
      durationMs: LOCK_MS,
      workingHours: false,
      notification: { bench: runId },
      requestedBy: 'bench',
      deactivationWaitMs: 1000,
      unlockLeadMs: config.tempLock.unlockLeadMs,
      gatewayTimeoutMs: config.gateway.timeoutMs,
    };
    await starts.run(async () => {
      await client.workflow.start(tempLock, {
        taskQueue,
        workflowId: tempLockWorkflowId(tenantId, uid),
        args: [input],
        startDelay: Math.max(0, stormAt - Date.now()),
      });
    });
  }
  await starts.drain();
  const startsLateMs = Date.now() - stormAt;
  if (startsLateMs > 0) log(`the starts took ${startsLateMs} ms longer than the lead: the first locks went out before the storm`);

  const devicesOf = (kind: string) => requests.filter((r) => r.kind === kind).reduce((n, r) => n + r.devices.length, 0);
  const deadline = stormAt + (LOCKS / RATE) * 1000 + LOCK_MS + 180_000;
  while (devicesOf('UNLOCK') < LOCKS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 2000));
    log(`devices sent LOCK ${devicesOf('LOCK')}/${LOCKS}, UNLOCK ${devicesOf('UNLOCK')}/${LOCKS}`);
  }
  const figures = (kind: 'LOCK' | 'UNLOCK') => {
    const sent = requests.filter((r) => r.kind === kind);
    const sizes = sent.map((r) => r.devices.length);
    return { requests: sent.length, devices: devicesOf(kind), devicesPerRequest: { mean: round(mean(sizes)), max: Math.max(...sizes) } };
  };
  const lockTimes = requests.filter((r) => r.kind === 'LOCK').map((r) => r.receivedAt - stormAt);
  const unlockLateness = requests
    .filter((r) => r.kind === 'UNLOCK')
    .flatMap((r) => r.devices.filter((d) => d.dueAt !== null).map((d) => r.receivedAt - d.dueAt!));
  console.log(
    JSON.stringify(
      {
        locks: LOCKS,
        gatewayAnswerMs: ANSWER_MS,
        commandsPerSecond: RATE,
        groupWaitMs,
        groupMaxDevices,
        requestsPerSecond,
        startsLateMs: Math.max(0, startsLateMs),
        lock: { ...figures('LOCK'), firstAfterStormMs: Math.min(...lockTimes), lastAfterStormMs: Math.max(...lockTimes) },
        unlock: {
          ...figures('UNLOCK'),
          latenessMs: { p50: percentile(unlockLateness, 50), p99: percentile(unlockLateness, 99), max: Math.max(...unlockLateness) },
        },
      },
      null,
      2,
    ),
  );

  // Whatever has not ended (a device that never got its UNLOCK) ends without another command.
  const ends = new TaskPool(CONCURRENCY);
  for (const uid of uids) {
    await ends.run(() =>
      client.workflow
        .getHandle(tempLockWorkflowId(tenantId, uid))
        .terminate('benchmark over')
        .catch(() => undefined),
    );
  }
  await ends.drain();
  shutdownAll(workers);
  await running;
  await simulator.close();
  await Promise.all([pool.end(), mongo.client.close(), connection.close(), client.connection.close()]);
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const round = (value: number) => Number(value.toFixed(1));

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
