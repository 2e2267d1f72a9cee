// The events the product sends out as webhooks (SPEC §9) and the envelope each travels in. Pure and workflow-safe.

export const WebhookEventTypes = ['device.state_changed', 'temp_lock.status_changed', 'batch.finished'] as const;
export type WebhookEventType = (typeof WebhookEventTypes)[number];

export function isWebhookEventType(value: unknown): value is WebhookEventType {
  return typeof value === 'string' && (WebhookEventTypes as readonly string[]).includes(value);
}

/** What a receiver gets as the body: `webhook-id` carries the same `id`. */
export interface WebhookEnvelope {
  id: string;
  type: WebhookEventType;
  /** When the change happened (ISO 8601). */
  timestamp: string;
  data: Record<string, unknown>;
}
