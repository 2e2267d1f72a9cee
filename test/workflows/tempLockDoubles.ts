// Test doubles for TempLock workflow tests: the time-skipping test server (Temporal's Java test server, fetched
// by scripts/build-binaries.sh), and in-memory activities that record what the workflow asked for, in order,
// at the server's (skipped) time. A simulated device checks in through the same signal the API sends.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, WorkerOptions } from '@temporalio/worker';
import { installTestRuntime } from '../sdkRuntime';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Activities } from '../../src/platform/worker/activities';
import type { TempLockTransition } from '../../src/tempLocks/store';
import { gatewayTaskQueues } from '../../src/devices/gateway/taskQueues';
import { GATEWAY_REFUSED } from '../../src/tempLocks/lock';
import { WorkingHoursCalendar, nextWorkingInstant } from '../../src/tenants/workingHours';
import type { CheckIn, TempLockInput } from '../../src/tempLocks/contract';

const ROOT = join(__dirname, '..', '..');

/** The wrapper that runs the Java test server; fetched (Maven) on first use, like the Go binaries. */
function testServerPath(): string {
  const path = process.env.DO_TEST_SERVER ?? join(homedir(), '.cache', 'device-orchestrator', 'bin', 'temporal-test-server-1.32.0', 'run');
  if (existsSync(path)) return path;
  return execFileSync('bash', [join(ROOT, 'scripts', 'build-binaries.sh'), 'test-server'], { encoding: 'utf8' }).trim();
}

export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  installTestRuntime((process.env.DO_TEST_LOG_LEVEL as 'WARN' | undefined) ?? 'ERROR');
  return TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: testServerPath() } } });
}

export interface SentCommand {
  kind: 'LOCK' | 'UNLOCK';
  actionId: string;
  dueAt: number | null;
  /** Server time when the attempt that went through was scheduled. */
  at: number;
}

/** What the mocked activities saw, and knobs to make the gateway misbehave. */
export class LockWorld {
  readonly transitions: TempLockTransition[] = [];
  readonly commands: SentCommand[] = [];
  /** Every gateway event in order: "LOCK sent", "LOCK abandoned", "UNLOCK sent", ... */
  readonly gatewayLog: string[] = [];
  inventory: string[] = [];
  /** The statuses each store activity wrote: transitions made while one write runs (or in one workflow task) share the next. */
  readonly writes: string[][] = [];
  calendar: WorkingHoursCalendar | null = null;
  gatewayFailuresLeft = 0;
  /** Store write attempts that fail before the store answers again (a store outage). */
  storeFailuresLeft = 0;
  refuse: 'LOCK' | 'UNLOCK' | null = null;
  /** The lock command hangs until cancelled (a slow gateway). */
  lockHangs = false;
  lockInFlight = false;
  /** Called after a command went through: e.g. the device checks in. */
  onCommand: (command: SentCommand) => Promise<void> = async () => undefined;

  statuses(actionId: string): string[] {
    return this.transitions.filter((t) => t.facts.actionId === actionId).map((t) => t.status);
  }

  activities(): Pick<Activities, 'sendLockCommand' | 'sendUnlockCommand' | 'nextWorkingInstantOf' | 'writeTempLockTransitions'> {
    const serverNow = () => Context.current().info.currentAttemptScheduledTimestampMs;
    const send = async (kind: 'LOCK' | 'UNLOCK', command: { actionId: string; dueAt?: number | null }) => {
      if (this.refuse === kind) {
        throw ApplicationFailure.create({
          message: `gateway refused ${kind}: 404 unknown device`,
          type: GATEWAY_REFUSED,
          nonRetryable: true,
        });
      }
      if (this.gatewayFailuresLeft > 0) {
        this.gatewayFailuresLeft--;
        throw new Error('simulated gateway outage');
      }
      if (kind === 'LOCK' && this.lockHangs) {
        const context = Context.current();
        const beat = setInterval(() => context.heartbeat(), 200);
        this.lockInFlight = true;
        try {
          await context.cancelled;
        } catch (err) {
          this.gatewayLog.push('LOCK abandoned');
          throw err;
        } finally {
          clearInterval(beat);
        }
      }
      const sent: SentCommand = { kind, actionId: command.actionId, dueAt: command.dueAt ?? null, at: serverNow() };
      this.commands.push(sent);
      this.gatewayLog.push(`${kind} sent`);
      await this.onCommand(sent);
      return sent.at;
    };
    return {
      sendLockCommand: async (command) => send('LOCK', command),
      sendUnlockCommand: async (command) => send('UNLOCK', command),
      nextWorkingInstantOf: async ({ at }) => {
        const instant = at ?? serverNow();
        if (!this.calendar) return { at: instant, next: instant };
        return { at: instant, next: nextWorkingInstant(this.calendar, new Date(instant))?.getTime() ?? null };
      },
      writeTempLockTransitions: async (transitions) => {
        if (this.storeFailuresLeft > 0) {
          this.storeFailuresLeft--;
          throw new Error('simulated store outage');
        }
        let locked = null;
        this.writes.push(transitions.map((t) => t.status));
        for (const t of transitions) {
          if (t.inventory?.kind === 'RESUME') {
            if (t.inventory.wasLocked) this.inventory.push('UNLOCK');
            this.inventory.push(t.inventory.milestone);
          }
          this.transitions.push(t);
          if (t.inventory?.kind === 'LOCK') {
            this.inventory.push('LOCK');
            locked = { locked: true, note: null };
          }
        }
        return locked;
      },
    };
  }
}

/** The workflow's worker, then the gateway commands' workers (their own task queues, as in the worker process). */
export async function startWorkers(env: TestWorkflowEnvironment, code: string, taskQueue: string, world: LockWorld): Promise<Worker[]> {
  return startLockWorkers(env, code, taskQueue, world.activities());
}

export type LockActivities = ReturnType<LockWorld['activities']>;

/** startWorkers with any doubles of the lock's activities; `options` go to the workflow's worker. */
export async function startLockWorkers(
  env: TestWorkflowEnvironment,
  code: string,
  taskQueue: string,
  { sendLockCommand, sendUnlockCommand, ...stores }: LockActivities,
  options: Partial<WorkerOptions> = {},
): Promise<Worker[]> {
  const [worker, gatewayWorkers] = await Promise.all([
    Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { code }, activities: stores, ...options }),
    startGatewayWorkers(env, taskQueue, { sendLockCommand, sendUnlockCommand }),
  ]);
  return [worker, ...gatewayWorkers];
}

/** The gateway commands' workers alone: activity workers on their own task queues. */
export async function startGatewayWorkers(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  { sendLockCommand, sendUnlockCommand }: Pick<LockActivities, 'sendLockCommand' | 'sendUnlockCommand'>,
): Promise<Worker[]> {
  const queues = gatewayTaskQueues(taskQueue);
  const connection = env.nativeConnection;
  return Promise.all([
    Worker.create({ connection, taskQueue: queues.locks, activities: { sendLockCommand } }),
    Worker.create({ connection, taskQueue: queues.unlocks, activities: { sendUnlockCommand } }),
  ]);
}

let nextId = 0;

export function lockInput(overrides: Partial<TempLockInput> = {}): TempLockInput {
  nextId++;
  return {
    actionId: `action-${nextId}`,
    tenantId: 'tenant-1',
    deviceUid: `49015420323751${nextId % 10}`,
    deviceId: nextId,
    durationMinutes: 60,
    durationMs: 60 * 60_000,
    workingHours: false,
    notification: { title: 'Payment overdue' },
    requestedBy: 'operator-1',
    deactivationWaitMs: 10 * 60_000,
    unlockLeadMs: 4_000,
    serviceTypeId: 1,
    gatewayTimeoutMs: 5_000,
    ...overrides,
  };
}

/** The signal the API sends for a check-in it answered with `directive`; lockStartsAt as the API computes it. */
export function checkInAt(
  actionId: string,
  checkedInAt: number,
  directive: 'LOCK' | 'UNLOCK' | 'NONE',
  calendar: WorkingHoursCalendar | null = null,
  checkInId = `check-in-${checkedInAt}-${Math.random()}`,
): CheckIn {
  const lockStartsAt = calendar ? (nextWorkingInstant(calendar, new Date(checkedInAt))?.getTime() ?? checkedInAt) : checkedInAt;
  return { checkInId, checkedInAt, lockStartsAt, answer: { actionId, directive } };
}

/** With DO_RECORD_HISTORIES=1, saves one run's history to test/replay/histories/<name>.json for the replay suite. */
export async function recordHistory(env: TestWorkflowEnvironment, workflowId: string, runId: string, name: string): Promise<void> {
  if (!process.env.DO_RECORD_HISTORIES) return;
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
  const history = historyToJSON(await env.client.workflow.getHandle(workflowId, runId).fetchHistory());
  writeFileSync(join(ROOT, 'test', 'replay', 'histories', `${name}.json`), history + '\n');
}
