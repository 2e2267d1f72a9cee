// The tenant's webhook subscriptions (list, add, delete) and a subscription's delivery attempts in cursor pages.
import { keepPreviousData } from '@tanstack/react-query';
import { apiFetch, apiJson } from './client';
import { useApiMutation, useApiQuery } from './query';
import type { WebhookCreated, WebhookDeliveries, WebhookEventType, WebhookList } from './types';

const WEBHOOKS_KEY = ['webhooks'];

export function useWebhooks() {
  return useApiQuery<WebhookList>(WEBHOOKS_KEY, '/v1/webhooks');
}

/** The answer carries the signing secret: the only time it is shown. */
export function useAddWebhook() {
  return useApiMutation(
    (key, body: { url: string; events: WebhookEventType[] }) => apiJson<WebhookCreated>(key, '/v1/webhooks', { method: 'POST', body }),
    [WEBHOOKS_KEY],
  );
}

export function useDeleteWebhook() {
  return useApiMutation(
    async (key, id: string) => {
      await apiFetch(key, `/v1/webhooks/${encodeURIComponent(id)}`, { method: 'DELETE' });
    },
    [WEBHOOKS_KEY],
  );
}

export function useWebhookDeliveries(id: string, cursor: string | null) {
  const query = new URLSearchParams({ limit: '20' });
  if (cursor) query.set('cursor', cursor);
  return useApiQuery<WebhookDeliveries>(
    [...WEBHOOKS_KEY, id, 'deliveries', cursor],
    `/v1/webhooks/${encodeURIComponent(id)}/deliveries?${query}`,
    {
      placeholderData: keepPreviousData,
      refetchInterval: 5_000,
    },
  );
}
