// What a batch came to, from its status and row counters: a COMPLETED batch with failed rows is not a
// success, and the colours and actions the pages offer follow from this.
import type { BatchRowStatus, BatchStatus } from './api/types';

export type BatchStatusName = BatchStatus['status'];

/** What an outcome is drawn from: a batch's status and its rows by status (getBatch, or a batch of the list). */
export type BatchCounts = Pick<BatchStatus, 'status' | 'countersByStatus' | 'progress'>;

/** Every batch status with the words a filter offers for it (the record keeps the list complete). */
export const BATCH_STATUS_LABELS: Record<BatchStatusName, string> = {
  PREVIEW: 'PREVIEW (not started: start or discard it)',
  CREATED: 'CREATED (not started)',
  RUNNING: 'RUNNING',
  PAUSED: 'PAUSED (no new devices start)',
  SCHEDULED: 'SCHEDULED (waits for its start)',
  WAITING_FOR_WORKING_HOURS: 'WAITING_FOR_WORKING_HOURS',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED (stopped: too many failures)',
  CANCELLED: 'CANCELLED',
};

/** Every row status, in the order a filter offers them. */
const ROW_STATUS_ORDER: Record<BatchRowStatus, number> = { SUCCEEDED: 0, FAILED: 1, CANCELLED: 2, SKIPPED: 3, PENDING: 4 };
export const ROW_STATUSES = (Object.keys(ROW_STATUS_ORDER) as BatchRowStatus[]).sort((a, b) => ROW_STATUS_ORDER[a] - ROW_STATUS_ORDER[b]);

export type BatchOutcome = 'waiting' | 'running' | 'paused' | 'succeeded' | 'with-failures' | 'failed' | 'cancelled';

export function isFinishedStatus(status: BatchStatusName): boolean {
  return status === 'COMPLETED' || status === 'CANCELLED' || status === 'FAILED';
}

export function batchOutcome(status: BatchCounts): BatchOutcome {
  const failed = status.countersByStatus.FAILED ?? 0;
  switch (status.status) {
    case 'PREVIEW':
    case 'CREATED':
    case 'SCHEDULED':
    case 'WAITING_FOR_WORKING_HOURS':
      return 'waiting';
    case 'PAUSED':
      return 'paused';
    case 'RUNNING':
      return failed > 0 ? 'with-failures' : 'running';
    case 'COMPLETED':
      return failed > 0 ? 'with-failures' : 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
  }
}

/** The row counts a bar shows: done ones by outcome, and what is left. */
export interface OutcomeShares {
  succeeded: number;
  failed: number;
  cancelled: number;
  pending: number;
  total: number;
}

export function outcomeShares(status: BatchCounts): OutcomeShares {
  const by = status.countersByStatus;
  const succeeded = (by.SUCCEEDED ?? 0) + (by.SKIPPED ?? 0);
  const failed = by.FAILED ?? 0;
  const cancelled = by.CANCELLED ?? 0;
  const total = status.progress.total;
  return { succeeded, failed, cancelled, pending: Math.max(0, total - succeeded - failed - cancelled), total };
}
