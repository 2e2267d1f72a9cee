// `npm run bench:gateway -- --locks N --rate R`: N temp locks assigned at once (default 1,000) on one in-process
// worker with its gateway workers (src/platform/worker/gatewayWorkers.ts), against the local services. Prints the rate
// the simulated gateway saw (the most LOCK commands in any 1, 5 and 10 s window, and the average) against the configured
// GATEWAY_COMMANDS_PER_SECOND (--rate overrides it). No device checks in: only the lock commands are measured,
// and the locks are terminated at the end.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/platform/config';
import { tempLockWorkflowId } from '../src/tempLocks/lock';
import { SimulatedDeviceControlGateway } from '../test/doubles/simulatedGateway';
import { createWorker } from '../src/platform/worker/createWorker';
import { createGatewayWorkers, runTogether, shutdownAll } from '../src/platform/worker/gatewayWorkers';
import { tempLock } from '../src/tempLocks/tempLockWorkflow';
import { TempLockInput } from '../src/tempLocks/contract';
import { lockBenchSetup } from './lockBenchSetup';
import { log, numberArg, peakInWindow } from './support';
import { createActivities } from '../src/platform/worker/activities';

const config = loadConfig();
const LOCKS = numberArg('--locks', 1000);
const RATE = numberArg('--rate', config.gateway.commandsPerSecond);
const START_CONCURRENCY = 100;

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

  // In memory: the times the gateway accepted each command are what is measured.
  const gateway = new SimulatedDeviceControlGateway();
  const deps = { pool, mongo, gateway };
  const limits = { ...config.gateway, commandsPerSecond: RATE };
  const workers = [
    await createWorker({ connection, namespace: config.temporal.namespace, taskQueue, activities: createActivities(deps) }),
    ...(await createGatewayWorkers({ connection, namespace: config.temporal.namespace, taskQueue, deps, limits })),
  ];
  const running = runTogether(workers);

  log(
    `assigning ${LOCKS} locks at once; GATEWAY_COMMANDS_PER_SECOND=${RATE}, GATEWAY_MAX_CONCURRENT_COMMANDS=${limits.maxConcurrentCommands}`,
  );
  const assignStarted = Date.now();
  const pending = new Set<Promise<unknown>>();
  for (const uid of uids) {
    const input: TempLockInput = {
      actionId: randomUUID(),
      tenantId,
      deviceUid: uid,
      deviceId: deviceIds.get(uid)!,
      serviceTypeId: 1,
      durationMinutes: 60,
      durationMs: 3_600_000,
      workingHours: false,
      notification: { bench: runId },
      requestedBy: 'bench',
      deactivationWaitMs: config.tempLock.deactivationWaitMs,
      unlockLeadMs: config.tempLock.unlockLeadMs,
      gatewayTimeoutMs: config.gateway.timeoutMs,
    };
    const start = client.workflow.start(tempLock, { taskQueue, workflowId: tempLockWorkflowId(tenantId, uid), args: [input] });
    pending.add(start);
    void start.finally(() => pending.delete(start));
    if (pending.size >= START_CONCURRENCY) await Promise.race(pending);
  }
  await Promise.all(pending);
  const assignSeconds = (Date.now() - assignStarted) / 1000;

  const locks = () => gateway.commands.filter((c) => c.kind === 'LOCK');
  const deadline = Date.now() + (LOCKS / RATE) * 1000 * 3 + 120_000;
  while (locks().length < LOCKS && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5000));
    log(`lock commands ${locks().length}/${LOCKS}`);
  }
  const times = locks().map((c) => c.sentAt);
  const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
  console.log(
    JSON.stringify(
      {
        locks: LOCKS,
        lockCommandsSeen: times.length,
        configuredPerSecond: RATE,
        maxConcurrentCommands: limits.maxConcurrentCommands,
        assignedInSeconds: Number(assignSeconds.toFixed(1)),
        peakInAny1sWindow: peakInWindow(times, 1000),
        peakInAny5sWindow: peakInWindow(times, 5000),
        peakInAny10sWindow: peakInWindow(times, 10_000),
        averagePerSecond: Number(((times.length - 1) / spanSeconds).toFixed(2)),
        firstToLastSeconds: Number(spanSeconds.toFixed(1)),
        firstCommandAfterAssignMs: Math.min(...times) - assignStarted,
      },
      null,
      2,
    ),
  );

  // The locks wait for check-ins that never come: end them without another command.
  for (const uid of uids) {
    const end = client.workflow
      .getHandle(tempLockWorkflowId(tenantId, uid))
      .terminate('benchmark over')
      .catch(() => undefined);
    pending.add(end);
    void end.finally(() => pending.delete(end));
    if (pending.size >= START_CONCURRENCY) await Promise.race(pending);
  }
  await Promise.all(pending);
  shutdownAll(workers);
  await running;
  await Promise.all([pool.end(), mongo.client.close(), connection.close(), client.connection.close()]);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
