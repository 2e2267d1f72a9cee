// `bash scripts/bench.sh templockHistories -- --task-queue bench-templock-<id> [--due-after ISO] [--due-before ISO]`: unlock
// lateness of a bench:templock run read back from the workflows' histories (the unlock activity's dueAt
// against the gateway's acceptedAt, its result), so a run can be analysed after the fact and split by due
// time, e.g. to leave out the locks that fell due while the Temporal server was down. Also prints where
// the time went: timer fired → workflow task started → unlock activity started, relative to the timer's
// due time (the lock's end minus the unlock lead).
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../src/platform/config';
import { percentile } from './support';

interface Sample {
  dueAt: number;
  latenessMs: number;
  timerToTaskMs: number | null;
  timerToActivityMs: number | null;
}

async function main(): Promise<void> {
  const taskQueue = stringArg('--task-queue');
  const dueAfter = process.argv.includes('--due-after') ? Date.parse(stringArg('--due-after')) : 0;
  const dueBefore = process.argv.includes('--due-before') ? Date.parse(stringArg('--due-before')) : Infinity;
  const config = loadConfig();
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query: `TaskQueue='${taskQueue}'` })) ids.push(execution.workflowId);
  const samples: Sample[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < ids.length) {
        const sample = await sampleOf(client, ids[next++]!);
        if (sample && sample.dueAt >= dueAfter && sample.dueAt < dueBefore) samples.push(sample);
      }
    }),
  );
  const stats = (values: number[]) => ({
    n: values.length,
    p50: percentile(values, 50),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    max: percentile(values, 100),
  });
  console.log(
    JSON.stringify(
      {
        workflows: ids.length,
        dueAfter: dueAfter ? new Date(dueAfter).toISOString() : null,
        dueBefore: Number.isFinite(dueBefore) ? new Date(dueBefore).toISOString() : null,
        unlockLatenessMs: stats(samples.map((s) => s.latenessMs)),
        timerFiredToWorkflowTaskStartedMs: stats(samples.flatMap((s) => (s.timerToTaskMs === null ? [] : [s.timerToTaskMs]))),
        timerFiredToUnlockActivityStartedMs: stats(samples.flatMap((s) => (s.timerToActivityMs === null ? [] : [s.timerToActivityMs]))),
      },
      null,
      2,
    ),
  );
  await connection.close();
}

async function sampleOf(client: Client, workflowId: string): Promise<Sample | null> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const time = (e: (typeof events)[number]) => Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
  const decode = (data: Uint8Array | null | undefined) => JSON.parse(Buffer.from(data ?? []).toString('utf8'));
  let dueAt: number | null = null;
  let scheduledId: number | null = null;
  let acceptedAt: number | null = null;
  let timerFired: number | null = null;
  let taskStarted: number | null = null;
  let activityStarted: number | null = null;
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'sendUnlockCommand') {
      dueAt = decode(scheduled.input?.payloads?.[0]?.data).dueAt ?? null;
      scheduledId = Number(e.eventId);
    } else if (e.timerFiredEventAttributes && dueAt === null) {
      timerFired = time(e); // the last timer before the unlock: the lock's own
      taskStarted = null;
    } else if (e.workflowTaskStartedEventAttributes && timerFired !== null && taskStarted === null) {
      taskStarted = time(e);
    } else if (
      e.activityTaskStartedEventAttributes &&
      scheduledId !== null &&
      Number(e.activityTaskStartedEventAttributes.scheduledEventId) === scheduledId
    ) {
      activityStarted ??= time(e);
    } else if (
      e.activityTaskCompletedEventAttributes &&
      scheduledId !== null &&
      Number(e.activityTaskCompletedEventAttributes.scheduledEventId) === scheduledId
    ) {
      acceptedAt = decode(e.activityTaskCompletedEventAttributes.result?.payloads?.[0]?.data);
    }
  }
  if (dueAt === null || acceptedAt === null) return null;
  return {
    dueAt,
    latenessMs: acceptedAt - dueAt,
    timerToTaskMs: timerFired !== null && taskStarted !== null ? taskStarted - timerFired : null,
    timerToActivityMs: timerFired !== null && activityStarted !== null ? activityStarted - timerFired : null,
  };
}

function stringArg(name: string): string {
  const value = process.argv[process.argv.indexOf(name) + 1];
  if (!process.argv.includes(name) || !value) throw new Error(`${name} is required`);
  return value;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
