// What the batches capability offers the others: the assignment modes and the statuses of a batch and of its
// rows, a row's result, and the message a per-device child sends its batch. Pure and workflow-safe; the
// functions others call (a device's row bookkeeping, the metrics' figures) are in useCases.ts.
import { defineSignal } from '@temporalio/workflow';

export { AssignmentModes, type AssignmentMode, BatchRowStatuses, BatchStatuses, directAssignStates, modeNeedsWorkflow } from './modes';
export type { RowResult } from './store';

/** To the batch (its newest run) from a child it handed over; code null when the device was cancelled. */
export const deviceFinishedSignal = defineSignal<[{ rowId: number; code: string | null }]>('deviceFinished');
