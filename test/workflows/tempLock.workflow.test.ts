// TempLock with mocked activities on Temporal's time-skipping test server: a lock's whole life in workflow time
// (a year-long lock runs in seconds), the working-hours wait, cancel in each status, a gateway outage or refusal,
// a cancel racing a slow lock command, and continue-as-new under a flood of check-ins.
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkingHoursCalendar, nextWorkingInstant } from '../../src/tenants/workingHours';
import { tempLock } from '../../src/tempLocks/tempLockWorkflow';
import { TempLockInput, cancelSignal, checkInSignal } from '../../src/tempLocks/contract';
import { LockWorld, checkInAt, lockInput, recordHistory, startTimeSkipping, startWorkers } from './tempLockDoubles';
import { testWorkflowCode } from '../workflowBundle';
import { runTogether, shutdownAll } from '../../src/platform/worker/gatewayWorkers';

jest.setTimeout(180_000);

const DAY_MS = 24 * 3_600_000;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

describe('TempLock workflow (mocked activities, time skipping)', () => {
  let env: TestWorkflowEnvironment;
  let code: string;
  let queue = 0;

  beforeAll(async () => {
    [env, code] = await Promise.all([startTimeSkipping(), testWorkflowCode()]);
  });
  afterAll(async () => {
    await env?.teardown();
  });

  /** Runs `body` with a worker on a fresh task queue serving `world`'s activities. */
  async function withWorker<T>(world: LockWorld, body: (taskQueue: string) => Promise<T>): Promise<T> {
    const taskQueue = `temp-lock-${++queue}`;
    const [worker, ...gatewayWorkers] = await startWorkers(env, code, taskQueue, world);
    const gatewayRunning = runTogether(gatewayWorkers);
    try {
      return await worker!.runUntil(body(taskQueue));
    } finally {
      shutdownAll(gatewayWorkers);
      await gatewayRunning;
    }
  }

  const start = (taskQueue: string, input: TempLockInput) =>
    env.client.workflow.start(tempLock, { taskQueue, workflowId: `temp-lock/${input.actionId}`, args: [input] });

  /** Runs one lock to its end, the device checking in at each command: its outcome and its run's history. */
  async function runToTheEnd(world: LockWorld) {
    const input = lockInput();
    deviceChecksIn(world, () => `temp-lock/${input.actionId}`);
    return withWorker(world, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      const outcome = await handle.result();
      return { input, outcome, events: (await handle.fetchHistory()).events ?? [] };
    });
  }

  /** The device checks in as soon as each command reaches it (at the lock's end for the unlock: the API says UNLOCK then). */
  function deviceChecksIn(world: LockWorld, workflowId: () => string, calendar: WorkingHoursCalendar | null = null): void {
    world.onCommand = async (command) => {
      const handle = env.client.workflow.getHandle(workflowId());
      if (command.kind === 'LOCK') await handle.signal(checkInSignal, checkInAt(command.actionId, command.at, 'LOCK', calendar));
      else if (command.dueAt !== null) await handle.signal(checkInSignal, checkInAt(command.actionId, command.dueAt, 'UNLOCK'));
    };
  }

  it('runs the lifecycle: lock command, activation at the check-in, unlock at the end, device resumed', async () => {
    const world = new LockWorld();
    const input = lockInput({ durationMs: 2 * 3_600_000 });
    deviceChecksIn(world, () => `temp-lock/${input.actionId}`);
    const outcome = await withWorker(world, async (taskQueue) => (await start(taskQueue, input)).result());

    expect(outcome).toMatchObject({ status: 'DEACTIVATED', endReason: null });
    const [lock, unlock] = world.commands;
    expect(world.commands.map((c) => c.kind)).toEqual(['LOCK', 'UNLOCK']);
    expect(outcome.lockStartedAt).toBe(lock!.at);
    expect(outcome.lockEndsAt).toBe(lock!.at + input.durationMs);
    expect(unlock!.dueAt).toBe(outcome.lockEndsAt);
    // The timer fires the unlock lead early; the real activity then waits for dueAt (tested in unit tests).
    expect(unlock!.at).toBeGreaterThanOrEqual(outcome.lockEndsAt! - input.unlockLeadMs);
    expect(unlock!.at).toBeLessThanOrEqual(outcome.lockEndsAt!);
    expect(world.statuses(input.actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
    expect(world.inventory).toEqual(['LOCK', 'UNLOCK', 'TEMP_LOCK_DEACTIVATED']);
    // WAITING and ACTIVATING go out in one store activity, the inventory changes with their statuses: at most
    // four store activities (and their workflow tasks) for five transitions.
    expect(world.writes[0]).toEqual(['WAITING', 'ACTIVATING']);
    expect(world.writes.length).toBeLessThanOrEqual(4);
    // Only the first write carries the notification.
    expect(world.transitions.filter((t) => t.terms !== undefined).map((t) => t.seq)).toEqual([1]);
  });

  it('a 365-day lock with working hours, crossing DST changes, unlocks at its due instant (workflow time)', async () => {
    const calendar: WorkingHoursCalendar = {
      timeZone: 'Europe/Berlin',
      windows: ['MON', 'TUE', 'WED', 'THU', 'FRI'].map((day) => ({ day: day as 'MON', start: '08:00', end: '17:00' })),
      holidays: [],
    };
    const world = new LockWorld();
    world.calendar = calendar;
    const input = lockInput({ durationMinutes: 525_600, durationMs: 525_600 * 60_000, workingHours: true });
    deviceChecksIn(world, () => `temp-lock/${input.actionId}`, calendar);
    const outcome = await withWorker(world, async (taskQueue) => (await start(taskQueue, input)).result());

    const [lock, unlock] = world.commands;
    // The lock command waited for working time, and the lock starts at the check-in's next working instant.
    expect(nextWorkingInstant(calendar, new Date(lock!.at))?.getTime()).toBe(lock!.at);
    const startsAt = nextWorkingInstant(calendar, new Date(lock!.at))!.getTime();
    const dueAt = startsAt + 365 * DAY_MS;
    expect(outcome).toMatchObject({ status: 'DEACTIVATED', lockStartedAt: startsAt, lockEndsAt: dueAt });
    expect(unlock).toMatchObject({ kind: 'UNLOCK', dueAt });
    expect(unlock!.at).toBeGreaterThanOrEqual(dueAt - input.unlockLeadMs);
    expect(unlock!.at).toBeLessThanOrEqual(dueAt);
    // A year in Berlin has both DST changes: the lock's wall-clock end hour differs by the offset change only.
    const offsets = new Set([startsAt, startsAt + 100 * DAY_MS, startsAt + 200 * DAY_MS].map((t) => berlinOffsetHours(t)));
    expect([...offsets].sort()).toEqual([1, 2]);
  });

  it('waits in WAITING until the working-hours window opens (a holiday week skipped)', async () => {
    const now = await env.currentTimeMs();
    const days = Array.from({ length: 9 }, (_, i) => new Date(now + i * DAY_MS).toISOString().slice(0, 10));
    const calendar: WorkingHoursCalendar = {
      timeZone: 'UTC',
      windows: ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'].map((day) => ({ day: day as 'MON', start: '09:00', end: '10:00' })),
      holidays: days,
    };
    const world = new LockWorld();
    world.calendar = calendar;
    const input = lockInput({ workingHours: true });
    deviceChecksIn(world, () => `temp-lock/${input.actionId}`, calendar);
    await withWorker(world, async (taskQueue) => (await start(taskQueue, input)).result());
    const opensAt = nextWorkingInstant(calendar, new Date(now))!.getTime();
    expect(opensAt).toBeGreaterThan(now + 8 * DAY_MS);
    expect(world.commands[0]!.at).toBeGreaterThanOrEqual(opensAt);
    expect(world.commands[0]!.at - opensAt).toBeLessThan(60_000);
    expect(world.transitions.find((t) => t.status === 'WAITING' && t.nextProcessTime)?.nextProcessTime).toBe(opensAt);
  });

  describe('cancel in each status', () => {
    /**
     * Cancels once `reached` (and, given `recorded`, once the lock's history holds an event it matches); between checks,
     * workflow time moves on by `skipMs` (0: only real time passes).
     */
    async function cancelWhen(
      reached: (world: LockWorld, actionId: string) => boolean,
      setup: (world: LockWorld, input: TempLockInput) => void = () => undefined,
      skipMs = 0,
      recorded?: (event: HistoryEvent) => boolean,
    ) {
      const world = new LockWorld();
      const input = lockInput();
      setup(world, input);
      const outcome = await withWorker(world, async (taskQueue) => {
        const handle = await start(taskQueue, input);
        if (skipMs > 0) {
          for (let i = 0; i < 100 && !reached(world, input.actionId); i++) await env.sleep(skipMs);
        }
        // Real time on a loaded machine: the worker may take a while to get to the first writes.
        await waitUntil(() => reached(world, input.actionId), 90_000);
        if (recorded) await waitForHistory(handle, recorded);
        await handle.signal(cancelSignal, { reason: 'cancelled by operator-1', requestedBy: 'operator-1', actionId: input.actionId });
        return handle.result();
      });
      return { world, input, outcome };
    }

    it('WAITING (outside working hours): nothing is sent', async () => {
      const { world, input, outcome } = await cancelWhen(
        (w) => w.transitions.some((t) => t.nextProcessTime),
        (w, i) => {
          i.workingHours = true;
          w.calendar = { timeZone: 'UTC', windows: [{ day: 'MON', start: '09:00', end: '10:00' }], holidays: [] };
          w.calendar.holidays = Array.from({ length: 30 }, (_, d) => new Date(Date.now() + d * DAY_MS).toISOString().slice(0, 10));
        },
      );
      expect(outcome).toMatchObject({ status: 'CANCELLED', endReason: 'cancelled by operator-1' });
      expect(world.commands).toEqual([]);
      expect(world.statuses(input.actionId)).toEqual(['WAITING', 'WAITING', 'CANCELLED']);
    });

    it('ACTIVATING: the lock command is taken back with an UNLOCK', async () => {
      // Cancelled once the LOCK's completion is in the history. A cancel between the gateway's answer and that completion
      // hung Temporal's Java test server now and then (its workflow task started, then neither completed nor timed
      // out; 2026-12-07, about 1 run in 10 under load); the lock simulation runs that interleaving on the dev server.
      const { world, outcome } = await cancelWhen(
        (w) => w.commands.length === 1,
        undefined,
        0,
        (event) => event.activityTaskCompletedEventAttributes != null,
      );
      expect(outcome.status).toBe('CANCELLED');
      expect(world.gatewayLog).toEqual(['LOCK sent', 'UNLOCK sent']);
      expect(world.inventory).toEqual(['TEMP_LOCK_CANCELLED']);
    });

    it('ACTIVATING with the lock command still at a slow gateway: it is abandoned for certain before the UNLOCK', async () => {
      const { world, outcome } = await cancelWhen(
        (w) => w.lockInFlight,
        (w) => (w.lockHangs = true),
      );
      expect(outcome.status).toBe('CANCELLED');
      expect(world.gatewayLog).toEqual(['LOCK abandoned', 'UNLOCK sent']);
    });

    it('ACTIVATED: unlocked, and the device resumes', async () => {
      const { world, input, outcome } = await cancelWhen(
        (w) => w.inventory.includes('LOCK'),
        (w, i) => deviceChecksIn(w, () => `temp-lock/${i.actionId}`),
      );
      expect(outcome.status).toBe('CANCELLED');
      expect(world.commands.map((c) => [c.kind, c.dueAt])).toEqual([
        ['LOCK', null],
        ['UNLOCK', null],
      ]);
      expect(world.inventory).toEqual(['LOCK', 'UNLOCK', 'TEMP_LOCK_CANCELLED']);
      expect(world.statuses(input.actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'CANCELLED']);
    });

    it('DEACTIVATING: the lock ran its term, so it ends DEACTIVATED, unlocked once', async () => {
      const { world, input, outcome } = await cancelWhen(
        (w, id) => w.statuses(id).includes('DEACTIVATING'),
        (w, i) => {
          // The device checks in after the lock command, but never after the unlock.
          w.onCommand = async (command) => {
            if (command.kind === 'LOCK') {
              await env.client.workflow
                .getHandle(`temp-lock/${i.actionId}`)
                .signal(checkInSignal, checkInAt(i.actionId, command.at, 'LOCK'));
            }
          };
        },
        15 * 60_000,
      );
      expect(outcome.status).toBe('DEACTIVATED');
      expect(world.gatewayLog).toEqual(['LOCK sent', 'UNLOCK sent']);
      expect(world.inventory).toEqual(['LOCK', 'UNLOCK', 'TEMP_LOCK_DEACTIVATED']);
      expect(world.transitions.at(-1)?.note).toMatch(/after the lock's end/);
      expect(world.statuses(input.actionId).at(-1)).toBe('DEACTIVATED');
    });
  });

  it('activates at the check-in while the LOCK command is still at a slow gateway; at the end that LOCK is abandoned before the UNLOCK', async () => {
    const world = new LockWorld();
    world.lockHangs = true;
    const input = lockInput({ durationMs: 4_000 });
    const outcome = await withWorker(world, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitUntil(() => world.lockInFlight);
      await handle.signal(checkInSignal, checkInAt(input.actionId, await env.currentTimeMs(), 'LOCK'));
      await waitUntil(() => world.statuses(input.actionId).includes('ACTIVATED'));
      return handle.result();
    });
    expect(outcome.status).toBe('DEACTIVATED');
    expect(world.gatewayLog).toEqual(['LOCK abandoned', 'UNLOCK sent']);
    expect(world.statuses(input.actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
  });

  it('ignores a cancel meant for another lock of the device (sent by workflow id, it may reach a newer lock)', async () => {
    const world = new LockWorld();
    const input = lockInput();
    deviceChecksIn(world, () => `temp-lock/${input.actionId}`);
    const outcome = await withWorker(world, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitUntil(() => world.statuses(input.actionId).includes('ACTIVATED'));
      await handle.signal(cancelSignal, { reason: 'cancelled by operator-1', requestedBy: 'operator-1', actionId: 'an-older-lock' });
      return handle.result();
    });
    expect(outcome).toMatchObject({ status: 'DEACTIVATED', endReason: null });
    expect(world.commands.map((c) => [c.kind, c.dueAt])).toEqual([
      ['LOCK', null],
      ['UNLOCK', outcome.lockEndsAt],
    ]);
  });

  it('rides out a gateway outage on server-side retries: the history does not grow with the attempts', async () => {
    const world = new LockWorld();
    world.gatewayFailuresLeft = 6;
    const { outcome, events } = await runToTheEnd(world);
    expect(world.gatewayFailuresLeft).toBe(0);
    expect(outcome.status).toBe('DEACTIVATED');
    // Six failed attempts, and the run's history has the size of one without an outage.
    expect(events.length).toBeLessThan(80);
  });

  it('rides out a store outage: a few local attempts, then a regular activity retried on the server; the history stays bounded', async () => {
    const world = new LockWorld();
    // More failures than the local attempts (5): the first write falls back to the regular activity.
    world.storeFailuresLeft = 12;
    const { input, outcome, events } = await runToTheEnd(world);
    expect(world.storeFailuresLeft).toBe(0);
    expect(outcome.status).toBe('DEACTIVATED');
    expect(world.statuses(input.actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
    // The writes that went through the store quickly are local (markers), the one that met the outage a regular activity.
    const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'writeTempLockTransitions');
    expect(scheduled).toHaveLength(1);
    expect(events.filter((e) => e.markerRecordedEventAttributes).length).toBeGreaterThanOrEqual(2);
    // Twelve failed attempts, and the run's history has about the size of one without an outage.
    expect(events.length).toBeLessThan(80);
  });

  it('ends FAILED with the gateway reason when the gateway refuses the device (4xx)', async () => {
    const world = new LockWorld();
    world.refuse = 'LOCK';
    const input = lockInput();
    const outcome = await withWorker(world, async (taskQueue) => (await start(taskQueue, input)).result());
    expect(outcome).toMatchObject({ status: 'FAILED', endReason: expect.stringContaining('404 unknown device') });
    // A check-in may have been told LOCK while ACTIVATING: check-ins are told UNLOCK, and the UNLOCK follows.
    expect(world.statuses(input.actionId)).toEqual(['WAITING', 'ACTIVATING', 'DEACTIVATING', 'FAILED']);
    expect(world.gatewayLog).toEqual(['UNLOCK sent']);
    expect(world.inventory).toEqual(['TEMP_LOCK_FAILED']);
  });

  it('counts a repeated check-in once and activates from the first one', async () => {
    const world = new LockWorld();
    const input = lockInput();
    const workflowId = `temp-lock/${input.actionId}`;
    world.onCommand = async (command) => {
      if (command.kind !== 'LOCK') return;
      const handle = env.client.workflow.getHandle(workflowId);
      await handle.signal(checkInSignal, checkInAt(input.actionId, command.at + 5_000, 'LOCK', null, 'request-1'));
      await handle.signal(checkInSignal, checkInAt(input.actionId, command.at + 9_000, 'LOCK', null, 'request-1'));
      await handle.signal(checkInSignal, checkInAt(input.actionId, command.at + 5_300, 'LOCK', null, 'request-2'));
    };
    const view = await withWorker(world, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitUntil(() => world.statuses(input.actionId).includes('ACTIVATED'));
      const seen = await handle.query('tempLock');
      await handle.signal(cancelSignal, { reason: 'done', requestedBy: 'test', actionId: input.actionId });
      await handle.result();
      return seen as { checkIns: number; checkedInAt: number };
    });
    expect(view.checkIns).toBe(1);
    expect(view.checkedInAt).toBe(world.commands[0]!.at + 5_000);
  });

  it('continues as new after its share of check-ins, keeping its state and its due time', async () => {
    const world = new LockWorld();
    // 50 check-ins per run here (CHECK_INS_PER_RUN by default): the test server takes signals slowly.
    const input = lockInput({ durationMs: 30 * DAY_MS, checkInsPerRun: 50 });
    const workflowId = `temp-lock/${input.actionId}`;
    deviceChecksIn(world, () => workflowId);
    const { outcome, runs, firstRunId } = await withWorker(world, async (taskQueue) => {
      const handle = await start(taskQueue, input);
      await waitUntil(() => world.statuses(input.actionId).includes('ACTIVATED'));
      const activatedAt = world.commands[0]!.at;
      for (let i = 0; i < 200; i++) {
        await handle.signal(checkInSignal, checkInAt(input.actionId, activatedAt + 1_000 + i * 1_000, 'LOCK'));
      }
      const result = await handle.result();
      // Follows the chain of runs from the first, counting each one's events.
      const runs: number[] = [];
      for (let runId: string | null | undefined = handle.firstExecutionRunId; runId;) {
        const history: {
          events?: { workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId?: string | null } | null }[] | null;
        } = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
        const events = history.events ?? [];
        runs.push(events.length);
        runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
      }
      return { outcome: result, runs, firstRunId: handle.firstExecutionRunId };
    });
    expect(outcome).toMatchObject({ status: 'DEACTIVATED', lockEndsAt: world.commands[0]!.at + input.durationMs });
    expect(world.commands.map((c) => c.kind)).toEqual(['LOCK', 'UNLOCK']);
    expect(world.commands[1]!.dueAt).toBe(outcome.lockEndsAt);
    expect(world.statuses(input.actionId)).toEqual(['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED']);
    console.log(`200 check-ins: ${runs.length} runs of ${runs.join(', ')} events`);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...runs)).toBeLessThan(10_000);
    // A run that ends by continuing as new, for the replay suite (DO_RECORD_HISTORIES=1).
    await recordHistory(env, workflowId, firstRunId, 'tempLock.continueAsNew.firstRun');
  });
});

/** Until the workflow's history holds an event that `matches`. */
async function waitForHistory(handle: WorkflowHandle, matches: (event: HistoryEvent) => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!((await handle.fetchHistory()).events ?? []).some(matches)) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the workflow history');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitUntil(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the workflow');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function berlinOffsetHours(t: number): number {
  const local = new Date(t).toLocaleString('en-GB', { timeZone: 'Europe/Berlin', hour12: false, hour: '2-digit' });
  const utc = new Date(t).getUTCHours();
  return (Number(local) - utc + 24) % 24;
}
