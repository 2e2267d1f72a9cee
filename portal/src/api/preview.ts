// A previewed batch (uploaded with preview=true): start it, or discard it. Both re-read the batch list.
import { BATCH_LIST_KEY, batchPath } from './batches';
import { apiFetch, apiJson } from './client';
import { useApiMutation } from './query';
import type { UploadAccepted } from './types';

export function useStartBatch() {
  return useApiMutation(
    (key, batchId: string) => apiJson<UploadAccepted>(key, `${batchPath(batchId)}/start`, { method: 'POST' }),
    [BATCH_LIST_KEY],
  );
}

export function useDiscardPreview() {
  return useApiMutation(
    async (key, batchId: string) => {
      await apiFetch(key, batchPath(batchId), { method: 'DELETE' });
    },
    [BATCH_LIST_KEY],
  );
}
