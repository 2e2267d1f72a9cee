// A device's lock as Temporal runs it, for the API's use cases: the run that is running now (and the action id
// its memo names), and signals that may find no run left to take them.
import { Client, WorkflowNotFoundError } from '@temporalio/client';

export interface RunningLock {
  runId: string;
  /** The lock's action id (the run's memo); null for a run started without one. */
  actionId: string | null;
}

export async function runningLockOf(temporal: Client, workflowId: string): Promise<RunningLock | null> {
  try {
    const description = await temporal.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') return null;
    const actionId = (description.memo as { actionId?: string } | undefined)?.actionId ?? null;
    return { runId: description.runId, actionId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** For a signal's `catch`: false when no lock was running to take it (it ended meanwhile); anything else is thrown. */
export function ignoreNotFound(err: unknown): false {
  if (!isNoRunningLock(err)) throw err;
  return false;
}

function isNoRunningLock(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const message = String((err as Error)?.message ?? '');
  return /already completed|not found/i.test(message);
}
