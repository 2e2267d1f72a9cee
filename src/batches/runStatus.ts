// The status a started batch shows while its run goes on (SPEC §9 "Bulk safety"): RUNNING, PAUSED by an
// operator (no new children; running ones finish), SCHEDULED until its start, WAITING_FOR_WORKING_HOURS
// outside the target tenant's working hours. Workflow code: the BatchAssign run owns the status and
// writes it to the batch's row whenever it changes, one write at a time, so the row never shows an
// older status after a newer one; pause and resume answer once the row shows what they asked for.
import { ApplicationFailure, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createBatchRunActivities } from './activities';
import { pauseBatchUpdate, resumeBatchUpdate } from './contract';
import type { StartedBatchStatus } from './modes';

const { recordRunStatus } = proxyActivities<ReturnType<typeof createBatchRunActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds' },
});

/** What the batch's row shows: its status and, while it waits, when it next starts devices. */
export interface ShownRunStatus {
  status: StartedBatchStatus;
  nextStartAt: string | null;
}

export interface RunStatusState {
  paused: boolean;
  /** While the run waits for its start or for working hours: why, and until when (epoch ms; null: not known). */
  waiting: { status: 'SCHEDULED' | 'WAITING_FOR_WORKING_HOURS'; until: number | null } | null;
  /** What the batch's row shows now. */
  written: ShownRunStatus;
}

export function initialRunStatus(): RunStatusState {
  return { paused: false, waiting: null, written: { status: 'RUNNING', nextStartAt: null } };
}

/** The status the run is in now; pause wins over a wait (resume goes back to the wait if it still holds). */
export function runStatusOf(state: RunStatusState): ShownRunStatus {
  if (state.paused) return { status: 'PAUSED', nextStartAt: null };
  if (state.waiting) {
    const { status, until } = state.waiting;
    return { status, nextStartAt: until === null ? null : new Date(until).toISOString() };
  }
  return { status: 'RUNNING', nextStartAt: null };
}

export function isRunStatusWritten(state: RunStatusState): boolean {
  const now = runStatusOf(state);
  return now.status === state.written.status && now.nextStartAt === state.written.nextStartAt;
}

/** Writes the run's status to the batch's row each time it changes, until the run ends (`ending`). */
export async function keepRunStatusWritten(
  run: { batchId: string; attempt: number },
  state: RunStatusState,
  ending: () => boolean,
  onWritten: () => void,
): Promise<void> {
  for (;;) {
    await condition(() => !ending() && !isRunStatusWritten(state));
    const wanted = runStatusOf(state);
    await recordRunStatus({ ...run, ...wanted });
    state.written = wanted;
    onWritten();
  }
}

/** Pause and resume (updates): refused once the batch is ending (cancelled or stopped); each answers the status written. */
export function handlePauseAndResume(state: RunStatusState, ending: () => boolean): void {
  const refuseWhenEnding = () => {
    if (ending()) throw ApplicationFailure.nonRetryable('the batch is ending (cancelled or stopped)', 'BATCH_ENDING');
  };
  const answer = async (): Promise<StartedBatchStatus> => {
    await condition(() => ending() || isRunStatusWritten(state));
    return runStatusOf(state).status;
  };
  for (const [update, paused] of [
    [pauseBatchUpdate, true],
    [resumeBatchUpdate, false],
  ] as const) {
    setHandler(
      update,
      () => {
        state.paused = paused;
        return answer();
      },
      { validator: refuseWhenEnding },
    );
  }
}
