// Starts a subscription's delivery workflow, or wakes the running one (signal-with-start): from the API when a
// subscription is created, and from the worker's outbox listener when a committed change wrote events for it.
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../platform/config';
import {
  WEBHOOK_DELIVERY_WORKFLOW,
  WebhookDeliveryInput,
  WebhookDeliveryWorkflow,
  eventsWrittenSignal,
  webhookDeliveryWorkflowId,
} from './contract';

function deliveryInput(config: AppConfig, subscriptionId: string): WebhookDeliveryInput {
  const { retryBaseMs, retryMaxMs, giveUpAfterMs, requestTimeoutMs, sweepMs } = config.webhooks;
  return {
    subscriptionId,
    retry: { firstDelayMs: retryBaseMs, maxDelayMs: retryMaxMs, giveUpAfterMs },
    requestTimeoutMs,
    sweepMs,
  };
}

export async function wakeWebhookDelivery(temporal: Client, config: AppConfig, subscriptionId: string): Promise<void> {
  await temporal.withDeadline(Date.now() + config.temporal.requestDeadlineMs, () =>
    temporal.workflow.signalWithStart<WebhookDeliveryWorkflow, []>(WEBHOOK_DELIVERY_WORKFLOW, {
      workflowId: webhookDeliveryWorkflowId(subscriptionId),
      taskQueue: config.temporal.taskQueue,
      args: [deliveryInput(config, subscriptionId)],
      signal: eventsWrittenSignal,
      signalArgs: [],
      staticSummary: `webhook deliveries of subscription ${subscriptionId}`,
    }),
  );
}
