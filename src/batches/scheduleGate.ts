// The schedule of a batch's run (SPEC §9 "Bulk safety"): no device starts before the upload's startAt
// (SCHEDULED) nor, with withinWorkingHours, outside the target workspace's working hours
// (WAITING_FOR_WORKING_HOURS until the next window opens; devices already running finish). Durable
// timers only: the run asks the calendar when a wait ends (a window opens or closes), never in between.
// Workflow code; the gate is asked again by each run after continue-as-new.
import { condition, proxyActivities } from '@temporalio/workflow';
import type { createBatchRunActivities } from './activities';
import type { BatchSchedule } from './batchSchedule';
import type { RunStatusState } from './runStatus';

const { workingSpanOf } = proxyActivities<ReturnType<typeof createBatchRunActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** With no working window ahead (an empty calendar), how long the run waits before asking again. */
const NO_WINDOW_RECHECK_MS = 24 * 60 * 60_000;

/** Whether devices may start now as far as the schedule goes. */
export interface ScheduleGate {
  open: boolean;
}

export function closedUntilAsked(schedule: BatchSchedule | null | undefined): ScheduleGate {
  return { open: !schedule };
}

/** Opens and closes `gate` as the schedule says, and shows why the run waits, until the run ends. */
export async function keepScheduleGate(
  run: { schedule?: BatchSchedule | null; targetTenantId: string },
  status: RunStatusState,
  gate: ScheduleGate,
  ending: () => boolean,
): Promise<void> {
  const { schedule } = run;
  if (!schedule) return;
  const wait = async (why: NonNullable<RunStatusState['waiting']>, ms: number) => {
    status.waiting = why;
    gate.open = false;
    await condition(ending, ms);
  };
  const startAt = schedule.startAt === null ? 0 : Date.parse(schedule.startAt);
  if (startAt > Date.now()) await wait({ status: 'SCHEDULED', until: startAt }, startAt - Date.now());
  while (schedule.withinWorkingHours && !ending()) {
    const now = Date.now();
    const span = await workingSpanOf({ tenantId: run.targetTenantId, at: now });
    if (span === null) {
      await wait({ status: 'WAITING_FOR_WORKING_HOURS', until: null }, NO_WINDOW_RECHECK_MS);
    } else if (span.from > now) {
      await wait({ status: 'WAITING_FOR_WORKING_HOURS', until: span.from }, span.from - now);
    } else {
      status.waiting = null;
      gate.open = true;
      if (span.until === null) return;
      await condition(ending, span.until - now);
    }
  }
  status.waiting = null;
  gate.open = true;
}
