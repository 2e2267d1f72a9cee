// One subscription's deliveries (SPEC §9, Standard Webhooks): a loop that waits for new events (a signal from the
// outbox listener, or its own sweep timer), then lets an activity POST the pending ones in order. A failing event
// is retried by Temporal's retry policy (first delay doubling to a cap) until it gives up, then marked FAILED and
// the next ones go on. Continues as new after a bounded number of rounds; ends when the subscription is deleted.
import { RetryState } from '@temporalio/common';
import { ActivityFailure, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import { WebhookDeliveryInput, eventsWrittenSignal } from './contract';
import type { DeliveryRound, createWebhookDeliveryActivities } from './deliveryActivities';

type DeliveryActivities = ReturnType<typeof createWebhookDeliveryActivities>;

/** About 10 history events a round: 500 rounds stay far below Temporal's history limits. */
const ROUNDS_PER_RUN = 500;

export async function webhookDelivery(input: WebhookDeliveryInput): Promise<void> {
  // A new run looks at once: events may have been written while the previous run handed over.
  let eventsWritten = true;
  setHandler(eventsWrittenSignal, () => {
    eventsWritten = true;
  });
  const { deliver, bookkeeping } = deliveryActivities(input);
  for (let round = 0; round < (input.roundsPerRun ?? ROUNDS_PER_RUN); round++) {
    if (!eventsWritten) await condition(() => eventsWritten, input.sweepMs);
    eventsWritten = false;
    const outcome = await deliverRound(input, deliver, bookkeeping);
    if (outcome === 'SUBSCRIPTION_GONE') return;
    if (outcome.more) eventsWritten = true;
    if (workflowInfo().continueAsNewSuggested) break;
  }
  await continueAsNew<typeof webhookDelivery>(input);
}

/** One round; an event whose retries ran out is given up on. */
async function deliverRound(
  input: WebhookDeliveryInput,
  deliver: DeliveryActivities,
  bookkeeping: DeliveryActivities,
): Promise<DeliveryRound> {
  const { subscriptionId } = input;
  try {
    return await deliver.deliverPendingWebhookEvents({ subscriptionId, requestTimeoutMs: input.requestTimeoutMs });
  } catch (err) {
    // TIMEOUT: the retry policy's schedule-to-close has passed (or the next attempt would start after it).
    if (!(err instanceof ActivityFailure && err.retryState === RetryState.TIMEOUT)) throw err;
    await bookkeeping.giveUpOnOldestWebhookEvent({ subscriptionId, giveUpAfterMs: input.retry.giveUpAfterMs });
    return { delivered: 0, more: true };
  }
}

function deliveryActivities(input: WebhookDeliveryInput) {
  const { firstDelayMs, maxDelayMs, giveUpAfterMs } = input.retry;
  return {
    // Retried for as long as the subscription's events may wait; each attempt is one POST of the head event.
    deliver: proxyActivities<DeliveryActivities>({
      startToCloseTimeout: input.requestTimeoutMs + 40_000,
      heartbeatTimeout: input.requestTimeoutMs + 10_000,
      scheduleToCloseTimeout: giveUpAfterMs,
      retry: { initialInterval: firstDelayMs, backoffCoefficient: 2, maximumInterval: maxDelayMs },
    }),
    bookkeeping: proxyActivities<DeliveryActivities>({ startToCloseTimeout: '30 s', retry: { maximumInterval: '1 minute' } }),
  };
}
