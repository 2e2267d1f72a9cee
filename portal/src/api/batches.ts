// Batches: the caller's list, one batch's status and rows, and the commands on a batch (pause, resume, cancel, retry,
// the results CSV).
import { keepPreviousData } from '@tanstack/react-query';
import { isFinishedStatus } from '../batchOutcome';
import { apiFetch, apiJson } from './client';
import { useApiMutation, useApiQuery } from './query';
import type { BatchDevicesPage, BatchesPage } from './types';

const LIST_PAGE_SIZE = 20;
const ROWS_PAGE_SIZE = 25;
/** While a listed batch is unfinished the list (which counts each batch's rows) is read again this often. */
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
  return useApiQuery<BatchesPage>([...BATCH_LIST_KEY, filters, cursor], `/v1/batches?${query}`, {
    placeholderData: keepPreviousData,
    refetchInterval: (read) => (read.state.data?.batches.some((batch) => !isFinishedStatus(batch.status)) ? LISTED_PROGRESS_MS : false),
  });
}

export interface RowFilters {
  /** A row status (SUCCEEDED, FAILED, CANCELLED…), or '' for all. */
  status: string;
  /** A result code, or '' for all. */
  code: string;
  /** The start of a device UID, or '' for all. */
  uidPrefix: string;
}

export const ALL_ROWS: RowFilters = { status: '', code: '', uidPrefix: '' };

/** One page of a batch's rows in file order, filtered; `refreshKey` changes when the batch's results do. */
export function useBatchRows(batchId: string, filters: RowFilters, cursor: string | null, refreshKey: string) {
  const query = new URLSearchParams({ limit: String(ROWS_PAGE_SIZE) });
  if (filters.status) query.set('status', filters.status);
  if (filters.code) query.set('code', filters.code);
  if (filters.uidPrefix) query.set('uidPrefix', filters.uidPrefix);
  if (cursor) query.set('cursor', cursor);
  return useApiQuery<BatchDevicesPage>(
    ['batches', batchId, 'rows', filters, cursor, refreshKey],
    `${batchPath(batchId)}/devices?${query}`,
    {
      placeholderData: keepPreviousData,
    },
  );
}

export type BatchCommand = 'cancel' | 'retry' | 'pause' | 'resume';

/** The API's answer to a command: cancel, pause and resume give the status, retry the attempt and how many devices it runs. */
export interface BatchCommandAnswer {
  status: string;
  retry?: number;
  devices?: number;
}

export function useBatchCommand(batchId: string) {
  return useApiMutation(
    (key, { command, idempotencyKey }: { command: BatchCommand; idempotencyKey: string }) =>
      apiJson<BatchCommandAnswer>(key, `${batchPath(batchId)}/${command}`, { method: 'POST', idempotencyKey }),
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
