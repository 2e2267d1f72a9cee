// Runs simulated schedules on one Temporal dev server (the real server, in memory): the lock's workflow worker
// and its gateway workers (restartable), shared by the schedules running together, and the world's worker (its
// actors: the API and the devices); then reads how each lock's executions ended and checks the invariants. The
// schedules' times are seconds and run at wall-clock speed. (Temporal's time-skipping test server was tried
// first: with hundreds of executions whose activities fail, time out and are cancelled at once, its accounting of
// when it may skip broke down — it stopped skipping for good, or jumped ten years to the run timeout — and it
// refuses a workflow task that cancels an activity whose completion is still buffered, ACTIVITY_UNKNOWN, so the
// lock retried that task forever. See docs/reliability.md.)
import { Client, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { installTestRuntime } from '../../sdkRuntime';
import { quietDevServerPath } from '../../serverExecutables';
import { setTimeout as delay } from 'node:timers/promises';
import { runTogether, shutdownAll } from '../../../src/platform/worker/gatewayWorkers';
import type { TempLockOutcome } from '../../../src/tempLocks/contract';
import { startGatewayWorkers, startLockWorkers } from '../tempLockDoubles';
import { testWorkflowCode } from '../../workflowBundle';
import { GatewayDouble, Worlds, actorActivities, lockActivities } from './activities';
import { devicePushSignal, lockSimActor } from './actor';
import { SimulatedApi } from './api';
import { checkInvariants, type LockExecution, type Violation } from './invariants';
import { drawSchedule, formatSchedule, type Schedule } from './schedule';
import { DeviceWorld, type StartedLock, type WorldEvent } from './world';

const LOCK_QUEUE = 'lock-sim';
const WORLD_QUEUE = 'lock-sim-world';
const SHUTDOWN_WAIT_MS = 10_000;

export interface ScheduleResult {
  seed: number;
  schedule: Schedule;
  violations: Violation[];
  log: WorldEvent[];
  /** Wall-clock ms the schedule took. */
  tookMs: number;
}

export interface RunOptions {
  /** Schedules running at once. */
  concurrency: number;
  /** Wall-clock ms a schedule may take before it counts as hung (invariant 3). */
  scheduleTimeoutMs: number;
  onResult?: (result: ScheduleResult) => void;
}

export class LockSimulation {
  readonly worlds = new Worlds();
  workerRestarts = 0;
  /** Restarts whose old workers had not stopped within SHUTDOWN_WAIT_MS (the new ones start all the same). */
  stuckShutdowns = 0;
  private workflowWorker!: Worker;
  private workflowWorkerRunning!: Promise<void>;
  private gatewayWorkers: Worker[] = [];
  private gatewayWorkersRunning: Promise<void> = Promise.resolve();
  private restarting: Promise<void> | null = null;
  private worldWorker!: Worker;
  private worldWorkerRunning!: Promise<void>;
  private readonly client: Client;
  private readonly api: SimulatedApi;
  private lockActivities!: ReturnType<typeof lockActivities>;

  private constructor(
    private readonly env: TestWorkflowEnvironment,
    private readonly code: string,
  ) {
    // A plain client: the test environment's own would lock and unlock time skipping around each result().
    this.client = new Client({ connection: env.connection, namespace: env.namespace });
    this.api = new SimulatedApi(this.client, LOCK_QUEUE);
  }

  static async start(): Promise<LockSimulation> {
    const [env, code] = await Promise.all([startDevServer(), testWorkflowCode()]);
    const simulation = new LockSimulation(env, code);
    await simulation.startWorkers();
    return simulation;
  }

  async stop(): Promise<void> {
    await this.restarting;
    shutdownAll([this.workflowWorker, ...this.gatewayWorkers, this.worldWorker]);
    await Promise.allSettled([this.workflowWorkerRunning, this.gatewayWorkersRunning, this.worldWorkerRunning]);
    await this.env.teardown();
  }

  /** Runs the schedules of `seeds`, `concurrency` at a time; results in the order of the seeds. */
  async run(seeds: number[], options: RunOptions): Promise<ScheduleResult[]> {
    const results: ScheduleResult[] = [];
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < seeds.length; i = next++) {
        results[i] = await this.runOne(seeds[i]!, options.scheduleTimeoutMs);
        options.onResult?.(results[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, seeds.length) }, lane));
    return results;
  }

  private async runOne(seed: number, timeoutMs: number): Promise<ScheduleResult> {
    const schedule = drawSchedule(seed);
    const world = new DeviceWorld(schedule, () => this.env.currentTimeMs());
    this.worlds.add(world);
    const started = Date.now();
    const actor = await this.client.workflow.start(lockSimActor, {
      taskQueue: WORLD_QUEUE,
      workflowId: actorIdOf(seed),
      args: [seed, schedule.steps],
    });
    const finished = await Promise.race([actor.result().then(() => true), delay(timeoutMs).then(() => false)]);
    const executions = await Promise.all(world.locks.map((lock) => this.executionOf(lock)));
    const violations = checkInvariants(world, executions);
    for (const hung of executions.filter((e) => e.closedAs === 'RUNNING')) {
      const lock = world.locks.find((l) => l.actionId === hung.actionId)!;
      violations.push({ invariant: 3, message: `hung lock ${hung.actionId}: ${await this.pendingWork(lock.workflowId)}` });
    }
    if (!finished) {
      const pending = await Promise.all([
        this.pendingWork(actorIdOf(seed)),
        ...world.locks.slice(-1).map((l) => this.pendingWork(l.workflowId)),
      ]);
      violations.push({
        invariant: 3,
        message: `the schedule did not finish within ${timeoutMs} ms of wall clock; pending: ${pending.join('; ')}`,
      });
      await Promise.allSettled([actor, ...world.locks.map((l) => this.client.workflow.getHandle(l.workflowId))].map(terminate));
    }
    this.worlds.remove(world);
    return { seed, schedule, violations, log: world.log, tookMs: Date.now() - started };
  }

  /** What a workflow waits for, for a hang's report: its status, pending activities and workflow task. */
  private async pendingWork(workflowId: string): Promise<string> {
    const { status, raw } = await this.client.workflow.getHandle(workflowId).describe();
    const activities = (raw.pendingActivities ?? []).map(
      (a) => `${a.activityType?.name} attempt ${a.attempt} ${a.lastFailure?.message ?? ''}`,
    );
    const task = raw.pendingWorkflowTask ? `workflow task ${raw.pendingWorkflowTask.state} attempt ${raw.pendingWorkflowTask.attempt}` : '';
    const events = (await this.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
    const lastEvents = events.slice(-8).map((e) => String(e.eventType).replace('EVENT_TYPE_', ''));
    return `${workflowId} ${status.name} ${[...activities, task].filter(Boolean).join(', ')} last events: ${lastEvents.join(' ')}`;
  }

  /** How a lock's chain of runs ended, with each run's number of events. */
  private async executionOf(lock: StartedLock): Promise<LockExecution> {
    const runEvents: number[] = [];
    let last: temporal.api.history.v1.IHistoryEvent | undefined;
    for (let runId: string | null | undefined = lock.firstRunId; runId;) {
      const events: temporal.api.history.v1.IHistoryEvent[] =
        (await this.client.workflow.getHandle(lock.workflowId, runId).fetchHistory()).events ?? [];
      runEvents.push(events.length);
      last = events.at(-1);
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    const failed = last?.workflowExecutionFailedEventAttributes?.failure;
    const closedAs = last?.workflowExecutionCompletedEventAttributes
      ? 'COMPLETED'
      : failed
        ? 'FAILED'
        : last?.workflowExecutionTimedOutEventAttributes
          ? 'TIMED_OUT'
          : last?.workflowExecutionTerminatedEventAttributes
            ? 'TERMINATED'
            : last?.workflowExecutionCanceledEventAttributes
              ? 'CANCELED'
              : 'RUNNING';
    const outcome =
      closedAs === 'COMPLETED'
        ? ((await this.client.workflow.getHandle(lock.workflowId, lock.firstRunId).result()) as TempLockOutcome)
        : null;
    const failure = failed ? [failed.message, failed.cause?.message, failed.cause?.cause?.message].filter(Boolean).join(': ') : null;
    return { actionId: lock.actionId, runEvents, closedAs, outcome, failure };
  }

  private async startWorkers(): Promise<void> {
    const reactions = {
      onDelayedPush: async (world: DeviceWorld, delayMs: number, repeats: number) => {
        await this.client.workflow.getHandle(actorIdOf(world.schedule.seed)).signal(devicePushSignal, { delayMs, repeats });
      },
    };
    const gateway = new GatewayDouble(this.worlds, this.api, reactions);
    this.worldWorker = await Worker.create({
      connection: this.env.nativeConnection,
      taskQueue: WORLD_QUEUE,
      workflowBundle: { code: this.code },
      activities: actorActivities(this.worlds, this.api, () => this.restartGatewayWorkers()),
    });
    this.worldWorkerRunning = this.worldWorker.run();
    this.lockActivities = lockActivities(this.worlds, gateway);
    await this.startLockWorkers();
  }

  private async startLockWorkers(): Promise<void> {
    const [workflowWorker, ...gatewayWorkers] = await startLockWorkers(this.env, this.code, LOCK_QUEUE, this.lockActivities);
    this.workflowWorker = workflowWorker!;
    this.workflowWorkerRunning = this.workflowWorker.run();
    this.gatewayWorkers = gatewayWorkers;
    this.gatewayWorkersRunning = runTogether(gatewayWorkers);
  }

  /**
   * A worker restart: the gateway commands' workers stop (commands in flight are cancelled, as when a worker
   * process dies) and new ones start; one restart at a time. The workflow worker is not restarted: shutting down
   * a worker that has run local activities panics in the SDK's core (local_activities.rs, "receive half not
   * dropped") and its workflows then stall (docs/reliability.md).
   */
  private restartGatewayWorkers(): void {
    this.restarting ??= (async () => {
      shutdownAll(this.gatewayWorkers);
      const stopped = await Promise.race([
        this.gatewayWorkersRunning.then(
          () => true,
          () => true,
        ),
        delay(SHUTDOWN_WAIT_MS).then(() => false),
      ]);
      if (!stopped) this.stuckShutdowns++;
      this.gatewayWorkers = await startGatewayWorkers(this.env, LOCK_QUEUE, this.lockActivities);
      this.gatewayWorkersRunning = runTogether(this.gatewayWorkers);
      this.workerRestarts++;
    })().finally(() => (this.restarting = null));
  }
}

/** Temporal's dev server (the CLI built by scripts/build-binaries.sh), in memory. */
async function startDevServer(): Promise<TestWorkflowEnvironment> {
  installTestRuntime('ERROR');
  // The server's own warnings (a task retried while hundreds of executions change at once) are noise here.
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: quietDevServerPath() }, log: { format: 'pretty', level: 'error' } },
  });
}

function actorIdOf(seed: number): string {
  return `lock-sim-actor/${seed}`;
}

async function terminate(handle: WorkflowHandle): Promise<void> {
  await handle.terminate('the lock simulation gave up on this schedule');
}

/** A failing schedule for a person: its violations, the schedule, what happened, and how to replay it. */
export function describeFailure(result: ScheduleResult): string {
  return [
    `seed ${result.seed} violates ${result.violations.map((v) => `(${v.invariant}) ${v.message}`).join('\n  ')}`,
    formatSchedule(result.schedule),
    '  what happened (ms after the start):',
    ...result.log.map((e) => `    ${formatEvent(e)}`),
    `  replay: npm run test:lock-sim -- --seed ${result.seed} --runs 1`,
  ].join('\n');
}

function formatEvent(event: WorldEvent): string {
  const { type, at, ...rest } = event;
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return `${at} ${type} ${fields.join(' ')}`;
}
