// Webhook subscriptions of a tenant (t_webhook_subscription) and the delivery attempts the API lists.
import type { PgPool } from '../platform/db/postgres';
import type { WebhookEventType } from './events';

export interface WebhookSubscription {
  id: string;
  tenantId: string;
  url: string;
  events: WebhookEventType[];
  createdBy: string;
  createdAt: Date;
}

interface SubscriptionRow {
  id: string;
  tenant_id: string;
  url: string;
  events: WebhookEventType[];
  created_by: string;
  created_at: Date;
}

const COLUMNS = 'id, tenant_id, url, events, created_by, created_at';

function toSubscription(row: SubscriptionRow): WebhookSubscription {
  return { id: row.id, tenantId: row.tenant_id, url: row.url, events: row.events, createdBy: row.created_by, createdAt: row.created_at };
}

export async function insertSubscription(
  pool: PgPool,
  subscription: Omit<WebhookSubscription, 'createdAt'> & { secret: string },
): Promise<WebhookSubscription> {
  const { rows } = await pool.query<SubscriptionRow>(
    `INSERT INTO t_webhook_subscription (id, tenant_id, url, events, secret, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${COLUMNS}`,
    [subscription.id, subscription.tenantId, subscription.url, subscription.events, subscription.secret, subscription.createdBy],
  );
  return toSubscription(rows[0]!);
}

/** The tenant's subscriptions, oldest first; never their secrets. */
export async function listSubscriptions(pool: PgPool, tenantId: string): Promise<WebhookSubscription[]> {
  const { rows } = await pool.query<SubscriptionRow>(
    `SELECT ${COLUMNS} FROM t_webhook_subscription WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
    [tenantId],
  );
  return rows.map(toSubscription);
}

export async function findSubscription(pool: PgPool, tenantId: string, id: string): Promise<WebhookSubscription | null> {
  const { rows } = await pool.query<SubscriptionRow>(
    `SELECT ${COLUMNS} FROM t_webhook_subscription WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL`,
    [id, tenantId],
  );
  return rows[0] ? toSubscription(rows[0]) : null;
}

/** Ends the subscription: no new events are written for it; its delivery workflow ends at its next round. */
export async function deleteSubscription(pool: PgPool, tenantId: string, id: string): Promise<boolean> {
  const { rowCount } = await pool.query(
    'UPDATE t_webhook_subscription SET deleted_at = now() WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL',
    [id, tenantId],
  );
  return rowCount === 1;
}

/** Where and how the delivery workflow sends: null once the subscription is deleted. */
export async function findDeliveryTarget(pool: PgPool, id: string): Promise<{ url: string; secret: string } | null> {
  const { rows } = await pool.query<{ url: string; secret: string }>(
    'SELECT url, secret FROM t_webhook_subscription WHERE id = $1 AND deleted_at IS NULL',
    [id],
  );
  return rows[0] ?? null;
}

export interface DeliveryRecord {
  id: number;
  eventId: string;
  eventType: string;
  attempt: number;
  outcome: 'DELIVERED' | 'FAILED' | 'GAVE_UP';
  statusCode: number | null;
  error: string | null;
  attemptedAt: Date;
}

/** The subscription's delivery attempts, newest first, before attempt `beforeId` (all when null). */
export async function deliveriesPage(
  pool: PgPool,
  subscriptionId: string,
  beforeId: number | null,
  limit: number,
): Promise<DeliveryRecord[]> {
  const { rows } = await pool.query(
    `SELECT id, event_id, event_type, attempt, outcome, status_code, error, attempted_at FROM t_webhook_delivery
      WHERE subscription_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
    [subscriptionId, beforeId, limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    eventId: r.event_id,
    eventType: r.event_type,
    attempt: r.attempt,
    outcome: r.outcome,
    statusCode: r.status_code,
    error: r.error,
    attemptedAt: r.attempted_at,
  }));
}
