// Pause and resume of a started batch from the API (SPEC §9 "Bulk safety"): asks the batch's run by
// update, which answers once the batch's row shows the status asked for (PAUSED; on resume RUNNING, or
// the start or working hours it still waits for). A paused batch can still be cancelled.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { BatchRecord } from './store';
import { StartedBatchStatus, startedBatchStatuses } from './modes';
import { pauseBatchUpdate, resumeBatchUpdate } from './contract';
import { BatchRunDeps, currentRunOf } from './runs';
import { unavailable } from './runControl';
import { ProblemError } from '../platform/http/problem';

export type RunCommand = 'pause' | 'resume';

export async function pauseOrResumeBatch(deps: BatchRunDeps, batch: BatchRecord, command: RunCommand): Promise<StartedBatchStatus> {
  const done = command === 'pause' ? 'paused' : 'resumed';
  if (!(startedBatchStatuses as readonly string[]).includes(batch.status)) {
    const why = batch.status === 'CREATED' ? 'has not started yet' : `is ${batch.status}`;
    throw new ProblemError(409, 'CONFLICT', `batch ${batch.id} ${why}; only a started batch that has not ended can be ${done}`);
  }
  const handle = deps.temporal.workflow.getHandle(currentRunOf(batch).workflowId);
  const update = command === 'pause' ? pauseBatchUpdate : resumeBatchUpdate;
  try {
    return await deps.temporal.withDeadline(Date.now() + deps.config.temporal.requestDeadlineMs, () => handle.executeUpdate(update));
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError) {
      throw new ProblemError(
        409,
        'CONFLICT',
        `batch ${batch.id} is ending (cancelled, or past its failure threshold) and can no longer be ${done}; read it again`,
        { batchId: batch.id },
      );
    }
    throw unavailable(batch, done, err);
  }
}
