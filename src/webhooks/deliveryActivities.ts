// The delivery workflow's activities: POST the subscription's pending events in order, signed (Standard Webhooks),
// recording every attempt. The event at the head of the outbox that fails makes the activity fail, so Temporal's
// retry policy (the workflow's WebhookRetry) spaces its attempts; the next events wait behind it (in order).
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { PgPool } from '../platform/db/postgres';
import { PendingWebhookEvent, attemptsOf, pendingWebhookEvents, recordDeliveryAttempt } from './outboxStore';
import { webhookSignature } from './signing';
import { nonPublicTargetReason } from './targetGuard';
import { findDeliveryTarget } from './subscriptionStore';

/** Events read per activity; it also stops taking new ones after WORK_BUDGET_MS, far inside its timeout. */
const EVENTS_PER_ROUND = 100;
const WORK_BUDGET_MS = 20_000;
/** The longest error text kept with an attempt. */
const MAX_ERROR_LENGTH = 300;

export type DeliveryRound = { delivered: number; more: boolean } | 'SUBSCRIPTION_GONE';

type PostAnswer = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

export function createWebhookDeliveryActivities({
  pool,
  allowPrivateWebhookTargets = false,
}: {
  pool: PgPool;
  allowPrivateWebhookTargets?: boolean;
}) {
  return {
    /** Delivers the subscription's pending events in order until one fails or the round's budget is spent. */
    async deliverPendingWebhookEvents({
      subscriptionId,
      requestTimeoutMs,
    }: {
      subscriptionId: string;
      requestTimeoutMs: number;
    }): Promise<DeliveryRound> {
      const target = await findDeliveryTarget(pool, subscriptionId);
      if (!target) return 'SUBSCRIPTION_GONE';
      // Checked once a round, before any event goes out: the URL's name may resolve elsewhere than when it was
      // subscribed. A refused target fails the head event's attempt, so the round ends there.
      const refused = await nonPublicTargetReason(target.url, allowPrivateWebhookTargets);
      const events = await pendingWebhookEvents(pool, subscriptionId, EVENTS_PER_ROUND);
      const started = Date.now();
      let delivered = 0;
      for (const event of events) {
        // The head event's attempts are this activity's attempts; an event reached after others is on its first.
        const attempt = delivered === 0 ? Context.current().info.attempt : 1;
        const answer: PostAnswer = refused ? { ok: false, statusCode: null, error: refused } : await post(target, event, requestTimeoutMs);
        await recordDeliveryAttempt(pool, {
          subscriptionId,
          event,
          attempt,
          outcome: answer.ok ? 'DELIVERED' : 'FAILED',
          statusCode: answer.statusCode,
          error: answer.ok ? null : answer.error,
        });
        if (!answer.ok && delivered === 0) {
          throw ApplicationFailure.retryable(`event ${event.eventId} not taken: ${answer.error}`, 'WEBHOOK_NOT_TAKEN');
        }
        if (!answer.ok) return { delivered, more: true };
        delivered += 1;
        Context.current().heartbeat();
        if (Date.now() - started > WORK_BUDGET_MS) return { delivered, more: true };
      }
      return { delivered, more: events.length === EVENTS_PER_ROUND };
    },

    /** The head event failed for as long as the retry policy allows: it is marked FAILED and the next ones go on. */
    async giveUpOnOldestWebhookEvent({ subscriptionId, giveUpAfterMs }: { subscriptionId: string; giveUpAfterMs: number }): Promise<void> {
      const [event] = await pendingWebhookEvents(pool, subscriptionId, 1);
      if (!event) return;
      await recordDeliveryAttempt(pool, {
        subscriptionId,
        event,
        attempt: await attemptsOf(pool, event.seq),
        outcome: 'GAVE_UP',
        statusCode: null,
        error: `given up after ${Math.round(giveUpAfterMs / 60_000)} minutes of failed attempts`,
      });
    },
  };
}

async function post(target: { url: string; secret: string }, event: PendingWebhookEvent, timeoutMs: number): Promise<PostAnswer> {
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'device-orchestrator-webhooks',
        'webhook-id': event.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature(target.secret, event.eventId, timestamp, event.body),
      },
      body: event.body,
    });
    await response.body?.cancel();
    if (response.status >= 200 && response.status < 300) return { ok: true, statusCode: response.status };
    return { ok: false, statusCode: response.status, error: `the receiver answered ${response.status}` };
  } catch (err) {
    return { ok: false, statusCode: null, error: unreachable(err, timeoutMs) };
  }
}

/** Why a POST got no answer, in words a subscriber can act on (no stack, no driver text beyond the system's code). */
function unreachable(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  const code = cause?.code ?? (err instanceof Error ? err.message : String(err));
  return `the receiver could not be reached (${code})`.slice(0, MAX_ERROR_LENGTH);
}
