// A batch's schedule on Temporal's time-skipping test server, with mocked activities: startAt three days ahead, and
// withinWorkingHours over a weekend of a Mon–Fri calendar, each run in seconds of real time; the first device's child
// starts at the instant the schedule names (its start time on the server's skipped clock). The windows that close
// and open again within seconds are in batchSchedule.test.ts (a dev server, real time).
//
// Why this once hung: the children carry the Web UI's custom search attributes (BatchId, TenantId, DeviceUid), which
// the Java test server does not know unless they are registered; it then neither started a child nor recorded its
// start as failed, so the parent waited forever. The timers were never the problem: the test server skips to them
// whenever the workflow waits on nothing else. Registered here through the operator service, as the dev server's
// --search-attribute flag does.
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { BatchAssignInput, BatchAssignResult, batchAssign } from '../../src/batches/batchAssignWorkflow';
import { isoToZonedWallTime, zonedWallTimeToIso } from '../../portal/src/format';
import { FakeBatch, scheduledBatchInput } from './fakeBatch';
import { startTimeSkipping } from './tempLockDoubles';
import { testWorkflowCode } from '../workflowBundle';

jest.setTimeout(60_000);

const DAY_MS = 24 * 60 * 60_000;
const ZONE = 'Europe/Berlin';
const WEEKDAYS = (['MON', 'TUE', 'WED', 'THU', 'FRI'] as const).map((day) => ({ day, start: '08:00', end: '17:00' }));

let env: TestWorkflowEnvironment;
let code: string;

beforeAll(async () => {
  [env, code] = await Promise.all([startTimeSkipping(), testWorkflowCode()]);
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: { BatchId: keyword, TenantId: keyword, DeviceUid: keyword, BatchMode: keyword },
  });
});
afterAll(async () => env?.teardown());

const input = scheduledBatchInput;

/** Runs `batch` to its end on a worker over `fake`'s activities; the server skips time while it waits. */
async function runBatch(fake: FakeBatch, batch: BatchAssignInput): Promise<BatchAssignResult> {
  const taskQueue = `batch-calendar-${batch.batchId}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { code },
    activities: fake.activities(),
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(batchAssign, { taskQueue, workflowId: `batch/${batch.batchId}`, args: [batch] });
    return handle.result();
  });
}

/** When, on the server's clock, the batch's first child started. */
async function firstChildStart(fake: FakeBatch): Promise<number> {
  const starts = await Promise.all(
    fake.assignedBy.map(async (id) => (await env.client.workflow.getHandle(id).describe()).startTime.getTime()),
  );
  return Math.min(...starts);
}

const uids = (n: number) => Array.from({ length: n }, (_, i) => `uid-${String(i + 1).padStart(5, '0')}`);

describe('BatchAssign schedule, time skipped', () => {
  it('startAt three days ahead: SCHEDULED until then, the first device starts at startAt', async () => {
    const fake = new FakeBatch(uids(5));
    const startAt = new Date(Math.ceil(((await env.currentTimeMs()) + 3 * DAY_MS) / 1000) * 1000).toISOString();
    const result = await runBatch(fake, input({ schedule: { startAt, withinWorkingHours: false } }));
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 5 } });
    expect(fake.runStatuses).toEqual([
      { status: 'SCHEDULED', nextStartAt: startAt },
      { status: 'RUNNING', nextStartAt: null },
    ]);
    // On the skipped clock: not before startAt, and within the minute it names (days away from any other instant).
    const first = await firstChildStart(fake);
    expect(first).toBeGreaterThanOrEqual(Date.parse(startAt));
    expect(first - Date.parse(startAt)).toBeLessThan(60_000);
  });

  it('withinWorkingHours, uploaded on a Friday evening: waits over the weekend, the first device starts Monday 08:00', async () => {
    // The next Friday 18:00 in Berlin, after the server's now; the server's clock skips there first.
    const now = await env.currentTimeMs();
    let friday = '';
    for (let d = 0; d <= 7 && !friday; d++) {
      const date = isoToZonedWallTime(new Date(now + d * DAY_MS).toISOString(), ZONE).slice(0, 10);
      const evening = Date.parse(zonedWallTimeToIso(`${date}T18:00`, ZONE)!);
      if (new Date(`${date}T12:00:00Z`).getUTCDay() === 5 && evening > now) friday = date;
    }
    const fridayEvening = Date.parse(zonedWallTimeToIso(`${friday}T18:00`, ZONE)!);
    const monday = new Date(Date.parse(`${friday}T12:00:00Z`) + 3 * DAY_MS).toISOString().slice(0, 10);
    const mondayMorning = zonedWallTimeToIso(`${monday}T08:00`, ZONE)!;
    await env.sleep(fridayEvening - now);

    const fake = new FakeBatch(uids(6));
    fake.calendar = { timeZone: ZONE, windows: [...WEEKDAYS], holidays: [] };
    const result = await runBatch(fake, input({ schedule: { startAt: null, withinWorkingHours: true } }));
    expect(result).toMatchObject({ status: 'COMPLETED', byCode: { OK: 6 } });
    expect(fake.runStatuses[0]).toEqual({ status: 'WAITING_FOR_WORKING_HOURS', nextStartAt: mondayMorning });
    expect(fake.runStatuses[1]).toEqual({ status: 'RUNNING', nextStartAt: null });
    const first = await firstChildStart(fake);
    expect(first).toBeGreaterThanOrEqual(Date.parse(mondayMorning));
    expect(first - Date.parse(mondayMorning)).toBeLessThan(60_000);
  });
});
