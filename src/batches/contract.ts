// What the batches capability offers the others: the assignment modes and the statuses of a batch and of its
// rows, a row's result, and the message a per-device child sends its batch. Pure and workflow-safe; the
// functions others call (a device's row bookkeeping, the metrics' figures) are in useCases.ts.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { StartedBatchStatus } from './modes';
import type { BatchProgress, batchAssign } from './batchAssignWorkflow';

export { AssignmentModes, type AssignmentMode, BatchRowStatuses, BatchStatuses, directAssignStates } from './modes';
export { startedBatchStatuses } from './modes';
export type { RowResult } from './store';

/** To the batch (its newest run) from a child it handed over; code null when the device was cancelled. */
export const deviceFinishedSignal = defineSignal<[{ rowNumber: number; code: string | null }]>('deviceFinished');

/** The BatchAssign workflow, by its type name: one execution per batch attempt (batchWorkflowId). */
export const BATCH_ASSIGN_WORKFLOW = 'batchAssign';
export type BatchAssignWorkflow = typeof batchAssign;
export type { BatchAssignInput, BatchProgress } from './batchAssignWorkflow';

export function batchWorkflowId(batchId: string, attempt: number): string {
  return attempt === 0 ? `batch/${batchId}` : `batch/${batchId}/retry-${attempt}`;
}

export const batchProgressQuery = defineQuery<BatchProgress>('batchProgress');
export const cancelBatchSignal = defineSignal('cancelBatch');
/** Pause (no new children; running ones finish) and resume a started batch; each answers the status its row then shows. */
export const pauseBatchUpdate = defineUpdate<StartedBatchStatus>('pauseBatch');
export const resumeBatchUpdate = defineUpdate<StartedBatchStatus>('resumeBatch');
