// Runs one schedule of the randomized BatchAssign simulation on a dev server of its own: the
// batch's runs (the upload's, then its retries) on a worker of their own, the schedule's disruptions
// as its rows get results, and the invariants checked after each run.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { GracefulShutdownPeriodExpiredError, Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { BatchAssignInput, BatchAssignResult, batchAssign, deviceAssignWorkflowId } from '../../src/batches/batchAssignWorkflow';
import { batchWorkflowId, cancelBatchSignal } from '../../src/batches/contract';
import { BatchWorld, Disruption, Schedule } from './batchSimWorld';
import { longestRunHistory } from '../../dev/runHistories';

/**
 * A run whose activities have not been called for this much real time is hung (they are called every few ms). Longer
 * than the batch activities' 20 s timeouts: an activity task handed to a worker as it restarts is lost to it, and given
 * to the next worker once its timeout passes (seed 1015).
 */
const STALL_MS = 45_000;
const HISTORY_LIMIT = 2_000;

export interface SimOutcome {
  schedule: Schedule;
  violations: string[];
  /** What happened, in order: the schedule's story when it fails. */
  log: string[];
  /** How many times the schedule restarted the batch's worker. */
  workerRestarts: number;
}

export async function runSchedule(env: TestWorkflowEnvironment, workflowCode: string, schedule: Schedule): Promise<SimOutcome> {
  const world = new BatchWorld(schedule);
  const log: string[] = [];
  const note = (line: string) => {
    log.push(line);
    if (process.env.BATCH_SIM_TRACE) process.stderr.write(`[seed ${schedule.seed}] ${line}\n`);
  };
  const batchId = `sim-${schedule.seed}-${randomUUID().slice(0, 8)}`;
  const taskQueue = `batch-sim-${batchId}`;
  const newWorker = () =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { code: workflowCode },
      activities: world.activities(),
      // A stopped worker's sticky tasks move to the next one soon.
      stickyQueueScheduleToStartTimeout: '1 second',
      // In-flight work finishes first (stopping a worker mid local activity trips an SDK panic in-process).
      shutdownGraceTime: '5 seconds',
      shutdownForceTime: '5 seconds',
    });
  let worker = await newWorker();
  let running = worker.run();
  const stopWorker = async () => {
    worker.shutdown();
    await running.catch((err) => {
      if (!(err instanceof GracefulShutdownPeriodExpiredError)) throw err;
    });
  };
  let workerRestarts = 0;
  const restartWorker = async () => {
    workerRestarts += 1;
    await stopWorker();
    worker = await newWorker();
    running = worker.run();
  };

  try {
    for (let attempt = 0; attempt <= schedule.retries; attempt++) {
      if (attempt > 0) {
        const again = world.resetForRetry();
        note(`retry ${attempt}: ${again} failed rows PENDING again`);
        if (again === 0) break;
      }
      const workflowId = batchWorkflowId(batchId, attempt);
      let cancelled = false;
      if (schedule.disruptions[attempt]!.some((d) => d.kind === 'cancelBeforeStart')) {
        world.cancelWithoutRun();
        cancelled = true;
        note('cancelled without a run, then the run starts late');
      }
      note(`attempt ${attempt} starts: ${world.rows.filter((r) => r.status === 'PENDING').length} rows PENDING`);
      const handle = await env.client.workflow.start(batchAssign, { taskQueue, workflowId, args: [inputOf(schedule, batchId, attempt)] });
      let over = false;
      const ended = handle.result().then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      void ended.then(() => (over = true));

      const disturb = async (d: Disruption) => {
        switch (d.kind) {
          case 'cancelSignal':
            await handle.signal(cancelBatchSignal).then(() => (cancelled = true), noop);
            break;
          case 'cancelWorkflow':
            await handle.cancel().then(() => (cancelled = true), noop);
            break;
          case 'restartWorker':
            await restartWorker();
            break;
          case 'terminateChild': {
            const childId = world.startedChildren()[0];
            if (childId) await env.client.workflow.getHandle(childId).terminate('simulation: terminated from the Web UI').catch(noop);
            note(`  terminated ${childId ?? 'nothing (no child working)'}`);
            break;
          }
          case 'cancelBeforeStart':
            break;
        }
      };
      const disrupting = (async () => {
        for (const d of schedule.disruptions[attempt]!) {
          if (d.kind === 'cancelBeforeStart') continue;
          await Promise.race([world.when(() => world.decidedThisAttempt >= d.afterRows), ended]);
          if (over) return;
          note(`attempt ${attempt}, ${world.decidedThisAttempt} rows decided: ${d.kind}`);
          await disturb(d);
        }
      })();

      let watchdog: NodeJS.Timeout | undefined;
      const hung = new Promise<{ hung: true }>((resolve) => {
        watchdog = setInterval(() => Date.now() - world.lastActivityAt > STALL_MS && resolve({ hung: true }), 500);
      });
      const end = await Promise.race([ended, hung]);
      clearInterval(watchdog);
      if ('hung' in end) {
        world.violations.push(`attempt ${attempt}: the batch's run did not end (hung; ${pendingRows(world)})`);
        note(`the hung run's last events: ${await lastEvents(env, workflowId)}`);
        for (const row of world.rows.filter((r) => r.status === 'PENDING').slice(0, 3)) {
          const childId = deviceAssignWorkflowId(batchId, attempt, row.uid);
          note(`  row ${row.id}'s child ${childId}: ${await lastEvents(env, childId).catch(() => 'not started')}`);
        }
        await handle.terminate('simulation: hung').catch(noop);
      }
      await disrupting;
      if ('hung' in end) break;
      if ('error' in end) {
        world.violations.push(`attempt ${attempt}: the batch's run failed: ${String(end.error)}`);
        break;
      }
      note(`attempt ${attempt} ended ${end.result.status} after ${end.result.runs} runs: ${JSON.stringify(end.result.byStatus)}`);
      checkRun(world, schedule, attempt, end.result, cancelled, await longestRunHistory(env.client, workflowId));
    }
  } finally {
    await stopWorker();
  }
  return { schedule, violations: world.violations, log, workerRestarts };
}

function inputOf(schedule: Schedule, batchId: string, attempt: number): BatchAssignInput {
  return {
    batchId,
    tenantId: 'tenant-sim',
    attempt,
    request: {
      targetWorkspaceId: 'tenant-sim',
      mode: 'assign',
      catalogueWorkflowId: '0123456789abcdef01234567',
      catalogueTenantIds: ['tenant-sim'],
      serviceTypeId: null,
      createMissing: false,
      requestedBy: 'simulation',
      source: 'BATCH',
    },
    windowSize: schedule.windowSize,
    pageSize: schedule.pageSize,
    childrenPerRun: schedule.childrenPerRun,
    handedOverLookMs: 1_000,
    failureThreshold: schedule.maxFailures === null ? null : { maxFailures: schedule.maxFailures, maxFailurePercent: null },
  };
}

/** The invariants of a run that ended: one result per device, a final status that says what happened, counters equal to the rows. */
function checkRun(
  world: BatchWorld,
  schedule: Schedule,
  attempt: number,
  result: BatchAssignResult,
  cancelled: boolean,
  longestRun: number,
): void {
  const fail = (what: string) => world.violations.push(`attempt ${attempt}: ${what}`);
  const pending = world.rows.filter((r) => r.status === 'PENDING');
  if (pending.length > 0) fail(`${pending.length} rows still PENDING after the batch ended (${pendingRows(world)})`);
  if (world.status !== result.status) fail(`the store says ${world.status}, the run's result ${result.status}`);
  const rows = world.counts();
  if (JSON.stringify(sorted(result.byStatus)) !== JSON.stringify(sorted(rows.byStatus)) || result.total !== rows.total) {
    fail(`counters ${JSON.stringify(result.byStatus)} (total ${result.total}) differ from the rows ${JSON.stringify(rows.byStatus)}`);
  }
  if (JSON.stringify(sorted(result.byCode)) !== JSON.stringify(sorted(rows.byCode))) {
    fail(`counters by code ${JSON.stringify(result.byCode)} differ from the rows ${JSON.stringify(rows.byCode)}`);
  }
  if (result.status === 'CANCELLED' && !cancelled) fail('CANCELLED without a cancel');
  if (schedule.disruptions[attempt]!.some((d) => d.kind === 'cancelBeforeStart') && result.status !== 'CANCELLED') {
    fail(`a batch cancelled before its run started ended ${result.status}`);
  }
  if (result.status === 'FAILED' && !(schedule.maxFailures !== null && result.stopped && result.stopped.failed > schedule.maxFailures)) {
    fail(`FAILED without exceeding the threshold (stopped: ${JSON.stringify(result.stopped)})`);
  }
  if (result.status === 'COMPLETED' && schedule.maxFailures !== null && world.failedThisAttempt > schedule.maxFailures) {
    fail(`COMPLETED with ${world.failedThisAttempt} devices failed, more than maxFailures=${schedule.maxFailures}`);
  }
  if (longestRun >= HISTORY_LIMIT) fail(`a run's history reached ${longestRun} events`);
}

async function lastEvents(env: TestWorkflowEnvironment, workflowId: string): Promise<string> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .slice(-12)
    .map((e) => `${e.eventId} ${String(e.eventType)}`)
    .join(', ');
}

function pendingRows(world: BatchWorld): string {
  const pending = world.rows.filter((r) => r.status === 'PENDING').map((r) => r.id);
  return `PENDING rows: ${pending.length ? pending.join(', ') : 'none'}`;
}

function sorted(counts: Record<string, number>): [string, number][] {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b));
}

const noop = () => undefined;
