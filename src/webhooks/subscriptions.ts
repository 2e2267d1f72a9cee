// The API's webhook use cases (SPEC §9): subscribe (the secret is shown in this answer only), list, read,
// delete, and a subscription's delivery attempts in cursor pages. Subscriptions belong to the caller's tenant.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { PgPool } from '../platform/db/postgres';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';
import { eventsWrittenSignal, webhookDeliveryWorkflowId } from './contract';
import { WebhookEventType, WebhookEventTypes, isWebhookEventType } from './events';
import { newWebhookSecret } from './signing';
import { nonPublicTargetReason } from './targetGuard';
import type { AppConfig } from '../platform/config';
import {
  DeliveryRecord,
  WebhookSubscription,
  deleteSubscription,
  deliveriesPage,
  findSubscription,
  insertSubscription,
  listSubscriptions,
} from './subscriptionStore';

const MAX_URL_LENGTH = 2000;

interface WebhookDeps {
  pool: PgPool;
  temporal: Client;
  config: { webhooks: Pick<AppConfig['webhooks'], 'allowPrivateTargets'> };
}

export interface NewWebhook {
  url: string;
  events: WebhookEventType[];
}

/** The body of POST /v1/webhooks, or a 422 naming what to send. */
export function parseNewWebhook(body: unknown): NewWebhook {
  const { url, events } = (body ?? {}) as { url?: unknown; events?: unknown };
  return { url: webhookUrl(url), events: eventTypes(events) };
}

function webhookUrl(value: unknown): string {
  const shown = JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : (value ?? null));
  const refuse = () => {
    throw new ProblemError(
      422,
      'INVALID_WEBHOOK_URL',
      `url must be an absolute http:// or https:// URL without user name or password, e.g. https://hooks.example.net/devices; got ${shown}`,
    );
  };
  if (typeof value !== 'string' || value.length > MAX_URL_LENGTH || !URL.canParse(value)) return refuse();
  const url = new URL(value);
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) return refuse();
  return url.toString();
}

function eventTypes(value: unknown): WebhookEventType[] {
  const wrong = Array.isArray(value) ? value.find((v) => !isWebhookEventType(v)) : value;
  if (!Array.isArray(value) || value.length === 0 || wrong !== undefined) {
    const got = Array.isArray(value) && value.length > 0 ? JSON.stringify(wrong) : JSON.stringify(value ?? null);
    throw new ProblemError(422, 'INVALID_WEBHOOK_EVENTS', `events must list one or more of ${WebhookEventTypes.join(', ')}; got ${got}`);
  }
  return [...new Set(value as WebhookEventType[])];
}

/** A new subscription with its signing secret; its delivery workflow starts with its first event. */
export async function subscribeWebhook(
  { pool, config }: WebhookDeps,
  caller: Caller,
  webhook: NewWebhook,
): Promise<WebhookSubscription & { secret: string }> {
  const refused = await nonPublicTargetReason(webhook.url, config.webhooks.allowPrivateTargets);
  if (refused) throw new ProblemError(422, 'INVALID_WEBHOOK_URL', `url ${webhook.url.slice(0, 80)} is refused: ${refused}`);
  const secret = newWebhookSecret();
  const id = `wh_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  const subscription = await insertSubscription(pool, { id, tenantId: caller.tenantId, ...webhook, createdBy: caller.userId, secret });
  return { ...subscription, secret };
}

export async function listWebhooks({ pool }: WebhookDeps, caller: Caller): Promise<WebhookSubscription[]> {
  return listSubscriptions(pool, caller.tenantId);
}

export async function readWebhook({ pool }: WebhookDeps, caller: Caller, id: string): Promise<WebhookSubscription> {
  const subscription = await findSubscription(pool, caller.tenantId, id);
  if (!subscription) throw new ProblemError(404, 'NOT_FOUND', `no webhook ${id} in tenant ${caller.tenantId}`);
  return subscription;
}

/** Deletes the subscription; its workflow is told at once (it would also find out at its next sweep). */
export async function unsubscribeWebhook(deps: WebhookDeps, caller: Caller, id: string): Promise<void> {
  if (!(await deleteSubscription(deps.pool, caller.tenantId, id))) {
    throw new ProblemError(404, 'NOT_FOUND', `no webhook ${id} in tenant ${caller.tenantId}`);
  }
  await deps.temporal.workflow
    .getHandle(webhookDeliveryWorkflowId(id))
    .signal(eventsWrittenSignal)
    .catch(() => undefined);
}

export interface DeliveriesPage {
  webhookId: string;
  deliveries: DeliveryRecord[];
  nextCursor: string | null;
}

/** Delivery attempts, newest first; `cursor` is a page's nextCursor. */
export async function webhookDeliveries(
  deps: WebhookDeps,
  caller: Caller,
  id: string,
  page: { cursor: string | undefined; limit: number },
): Promise<DeliveriesPage> {
  const subscription = await readWebhook(deps, caller, id);
  const before = beforeIdOf(page.cursor);
  const rows = await deliveriesPage(deps.pool, subscription.id, before, page.limit + 1);
  const deliveries = rows.slice(0, page.limit);
  return { webhookId: id, deliveries, nextCursor: rows.length > page.limit ? String(deliveries[deliveries.length - 1]!.id) : null };
}

function beforeIdOf(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  if (!/^[1-9]\d{0,15}$/.test(cursor)) {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      'cursor must be a value from nextCursor (as given in links.next); leave it out for the first page',
    );
  }
  return Number(cursor);
}
