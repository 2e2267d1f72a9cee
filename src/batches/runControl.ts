// Cancel and retry of a batch from the API, for any batch whose workflow is not running as well as
// for one that is: a batch stored while Temporal was unreachable, or whose run is gone, is never stuck.
import { WorkflowNotFoundError } from '@temporalio/client';
import { BatchRecord, cancelBatchWithoutRun, resetBatchForRetry } from './store';
import { BatchStatus, isUnfinishedBatchStatus, uploadRejectionCodes } from './modes';
import { batchWorkflowId, cancelBatchSignal } from './contract';
import { BatchRunDeps, currentRunOf, startBatchRun } from './runs';
import { ProblemError } from '../platform/http/problem';

/** Asks the running workflow to cancel ('CANCELLING'), or ends a batch that has none at once ('CANCELLED'). */
export async function cancelBatch(deps: BatchRunDeps, batch: BatchRecord): Promise<'CANCELLING' | 'CANCELLED'> {
  if (!isUnfinishedBatchStatus(batch.status)) {
    throw new ProblemError(409, 'CONFLICT', `batch ${batch.id} is ${batch.status}; only a batch that has not ended can be cancelled`);
  }
  const workflowId = currentRunOf(batch).workflowId;
  if (await runIsRunning(deps, batch)) {
    try {
      await deps.temporal.workflow.getHandle(workflowId).signal(cancelBatchSignal);
      return 'CANCELLING';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw unavailable(batch, 'cancelled', err);
    }
  }
  if (!(await cancelBatchWithoutRun(deps.pool, batch.id, [batch.status]))) {
    throw new ProblemError(409, 'CONFLICT', `batch ${batch.id} changed while it was being cancelled; read it again`);
  }
  // A reconciler may have started the run meanwhile: it is asked to cancel too (best effort: a run started from a
  // batch already CANCELLED finds no pending row and ends without changing it).
  await deps.temporal
    .withDeadline(Date.now() + deps.config.temporal.requestDeadlineMs, () =>
      deps.temporal.workflow.getHandle(workflowId).signal(cancelBatchSignal),
    )
    .catch(() => undefined);
  return 'CANCELLED';
}

/** Runs the failed (and any still pending) rows again as a new run of the batch. */
export async function retryBatch(deps: BatchRunDeps, batch: BatchRecord) {
  const fromStatuses: BatchStatus[] = ['COMPLETED', 'CANCELLED', 'FAILED'];
  if (isUnfinishedBatchStatus(batch.status)) {
    if (await runIsRunning(deps, batch)) {
      throw new ProblemError(409, 'CONFLICT', `batch ${batch.id} is still running; cancel it or wait until it finishes`);
    }
    fromStatuses.push(batch.status);
  }
  const attempt = currentRunOf(batch).attempt + 1;
  const retried = await resetBatchForRetry(deps.pool, batch.id, {
    attempt,
    temporalWorkflowId: batchWorkflowId(batch.id, attempt),
    fromStatuses,
    keptCodes: uploadRejectionCodes,
  });
  if (retried === 'NOT_FINISHED') throw new ProblemError(409, 'CONFLICT', `batch ${batch.id} changed meanwhile; read it again`);
  if (retried === 'NOTHING_TO_RETRY') {
    throw new ProblemError(409, 'CONFLICT', `batch ${batch.id} has no failed devices that a retry could change`);
  }
  await startBatchRun(deps, retried.batch, attempt);
  return { batch: retried.batch, attempt, devices: retried.devices };
}

/**
 * Whether the batch's current run is running. A batch never started (CREATED) counts as not running
 * when Temporal cannot tell; for a RUNNING batch that is a 503.
 */
async function runIsRunning(deps: BatchRunDeps, batch: BatchRecord): Promise<boolean> {
  try {
    const description = await deps.temporal.withDeadline(Date.now() + deps.config.temporal.requestDeadlineMs, () =>
      deps.temporal.workflow.getHandle(currentRunOf(batch).workflowId).describe(),
    );
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    if (batch.status === 'CREATED') return false;
    throw unavailable(batch, 'changed', err);
  }
}

export function unavailable(batch: BatchRecord, what: string, cause: unknown): ProblemError {
  return new ProblemError(
    503,
    'SERVICE_UNAVAILABLE',
    `batch ${batch.id} cannot be ${what} now: the workflow service did not answer; send the request again later`,
    { batchId: batch.id },
    cause,
  );
}
