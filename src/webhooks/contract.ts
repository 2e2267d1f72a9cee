// The webhooks capability's contract: the delivery workflow's type, id, input and
// signal (the API and the worker's outbox listener start and wake it through these). Pure and workflow-safe; the
// function other capabilities call inside their transactions is in useCases.ts.
import { defineSignal } from '@temporalio/workflow';
import type { webhookDelivery } from './webhookDeliveryWorkflow';

/** One delivery workflow per subscription, on the product's task queue (TASK_QUEUE). */
export const WEBHOOK_DELIVERY_WORKFLOW = 'webhookDelivery';
export type WebhookDeliveryWorkflow = typeof webhookDelivery;

export function webhookDeliveryWorkflowId(subscriptionId: string): string {
  return `webhook-delivery/${subscriptionId}`;
}

/** How a failing event is retried: Temporal's retry policy of the delivery activity. */
interface WebhookRetry {
  /** The wait after the first failed attempt; it doubles after each (WEBHOOK_RETRY_BASE_MS). */
  firstDelayMs: number;
  /** The longest wait between attempts (WEBHOOK_RETRY_MAX_MS). */
  maxDelayMs: number;
  /** After this long since its first attempt an event is given up on, marked FAILED (WEBHOOK_GIVE_UP_AFTER_MS). */
  giveUpAfterMs: number;
}

export interface WebhookDeliveryInput {
  subscriptionId: string;
  retry: WebhookRetry;
  /** One POST's timeout (WEBHOOK_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** With no signal, the workflow looks for pending events this often anyway (WEBHOOK_SWEEP_MS). */
  sweepMs: number;
  /** Rounds (one delivery activity each) a run makes before it continues as new (tests lower it). */
  roundsPerRun?: number;
}

/** New events were written to the subscription's outbox: deliver them now rather than at the next sweep. */
export const eventsWrittenSignal = defineSignal('eventsWritten');
