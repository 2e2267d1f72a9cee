// Batches: the caller's list, one batch's status and failed rows, and the commands on a batch (cancel,
// retry, the results CSV).
import { keepPreviousData } from '@tanstack/react-query';
import { apiFetch } from './client';
import { useApiMutation, useApiQuery } from './query';
import type { BatchDevicesPage, BatchStatus, BatchesPage } from './types';

const LIST_PAGE_SIZE = 20;
const FAILED_ROWS_PAGE_SIZE = 25;
/** A running batch in the list reads its own progress this often (the list does not count rows). */
const LISTED_PROGRESS_MS = 5_000;

export const BATCH_LIST_KEY = ['batches', 'list'];

export const batchPath = (batchId: string) => `/v1/batches/${encodeURIComponent(batchId)}`;
export const batchStatusKey = (batchId: string) => ['batches', batchId, 'status'];

export interface BatchFilters {
  status: string;
  mode: string;
  /** Local days (yyyy-mm-dd): from the start of the first to the end of the last. */
  createdFrom: string;
  createdTo: string;
}

export function useBatches(filters: BatchFilters, cursor: string | null) {
  const query = new URLSearchParams({ limit: String(LIST_PAGE_SIZE) });
  if (filters.status) query.set('status', filters.status);
  if (filters.mode) query.set('mode', filters.mode);
  if (filters.createdFrom) query.set('createdFrom', new Date(`${filters.createdFrom}T00:00:00`).toISOString());
  if (filters.createdTo) query.set('createdTo', new Date(`${filters.createdTo}T23:59:59.999`).toISOString());
  if (cursor) query.set('cursor', cursor);
  return useApiQuery<BatchesPage>([...BATCH_LIST_KEY, filters, cursor], `/v1/batches?${query}`, { placeholderData: keepPreviousData });
}

/** A batch's status, read again every few seconds while `follow` (the batch page follows it live instead). */
export function useBatchStatus(batchId: string, follow: boolean) {
  return useApiQuery<BatchStatus>(batchStatusKey(batchId), batchPath(batchId), {
    enabled: follow,
    refetchInterval: follow ? LISTED_PROGRESS_MS : false,
  });
}

/** One page of a batch's failed rows; `refreshKey` changes when the batch's results do. */
export function useFailedRows(batchId: string, code: string, cursor: string | null, refreshKey: string) {
  const query = new URLSearchParams({ status: 'FAILED', limit: String(FAILED_ROWS_PAGE_SIZE) });
  if (code) query.set('code', code);
  if (cursor) query.set('cursor', cursor);
  return useApiQuery<BatchDevicesPage>(
    ['batches', batchId, 'failed-rows', code, cursor, refreshKey],
    `${batchPath(batchId)}/devices?${query}`,
    {
      placeholderData: keepPreviousData,
    },
  );
}

export type BatchCommand = 'cancel' | 'retry';

export function useBatchCommand(batchId: string) {
  return useApiMutation(
    (key, command: BatchCommand) => apiFetch(key, `${batchPath(batchId)}/${command}`, { method: 'POST' }),
    [BATCH_LIST_KEY],
  );
}

/** Fetches the results CSV with the key in its header (a plain link could not send it) and saves it. */
export function useResultsDownload(batchId: string) {
  return useApiMutation(async (key, _: void) => {
    const res = await apiFetch(key, `${batchPath(batchId)}/results.csv`);
    saveFile(await res.blob(), `batch-${batchId}-results.csv`);
  });
}

function saveFile(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
