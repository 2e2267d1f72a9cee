// The webhook outbox (t_webhook_outbox) and its delivery attempts (t_webhook_delivery). A change announces its
// event inside its own transaction: one row per subscription of the tenant that wants the event type, and a
// PostgreSQL NOTIFY that reaches listeners only if the transaction commits (nothing announced that did not happen).
import { randomUUID } from 'node:crypto';
import { Client, Notification } from 'pg';
import type { PgPool, PgTransaction, Queryable } from '../platform/db/postgres';
import { inTransaction } from '../platform/db/postgres';
import type { WebhookEnvelope, WebhookEventType } from './events';

/** The NOTIFY channel: its payload is the id of a subscription with new outbox rows. */
const OUTBOX_CHANNEL = 'webhook_outbox';

export interface WebhookEvent {
  tenantId: string;
  type: WebhookEventType;
  data: Record<string, unknown>;
}

/**
 * Writes the event for every subscription that wants its type of its tenant or of a tenant above it (a root tenant
 * acts on its workspaces, so it hears of them too), in the caller's transaction: one INSERT … SELECT (a few index
 * lookups, one per level of the tenant tree, for a tenant without subscriptions).
 */
export async function announceWebhookEvent(tx: PgTransaction, event: WebhookEvent): Promise<void> {
  const envelope: WebhookEnvelope = {
    id: `msg_${randomUUID().replace(/-/g, '')}`,
    type: event.type,
    timestamp: new Date().toISOString(),
    data: { tenantId: event.tenantId, ...event.data },
  };
  await tx.query(
    `WITH RECURSIVE above AS (
       SELECT id, parent_id FROM t_tenant WHERE id = $1
       UNION SELECT t.id, t.parent_id FROM t_tenant t JOIN above ON t.id = above.parent_id
     ), written AS (
       INSERT INTO t_webhook_outbox (subscription_id, event_id, event_type, payload)
       SELECT s.id, $2, $3, $4::jsonb FROM t_webhook_subscription s JOIN above ON s.tenant_id = above.id
        WHERE s.deleted_at IS NULL AND $3 = ANY(s.events)
       RETURNING subscription_id)
     SELECT pg_notify('${OUTBOX_CHANNEL}', subscription_id) FROM written`,
    [event.tenantId, envelope.id, envelope.type, JSON.stringify(envelope)],
  );
}

export interface PendingWebhookEvent {
  seq: number;
  eventId: string;
  eventType: string;
  /** The envelope as sent and signed. */
  body: string;
}

/** The subscription's oldest events not yet delivered or given up on, in the order they were written. */
export async function pendingWebhookEvents(pool: PgPool, subscriptionId: string, limit: number): Promise<PendingWebhookEvent[]> {
  const { rows } = await pool.query<{ seq: string; event_id: string; event_type: string; body: string }>(
    `SELECT seq, event_id, event_type, payload::text AS body FROM t_webhook_outbox
      WHERE subscription_id = $1 AND status = 'PENDING' ORDER BY seq LIMIT $2`,
    [subscriptionId, limit],
  );
  return rows.map((r) => ({ seq: Number(r.seq), eventId: r.event_id, eventType: r.event_type, body: r.body }));
}

export interface DeliveryAttempt {
  subscriptionId: string;
  event: Pick<PendingWebhookEvent, 'seq' | 'eventId' | 'eventType'>;
  attempt: number;
  outcome: 'DELIVERED' | 'FAILED' | 'GAVE_UP';
  statusCode: number | null;
  error: string | null;
}

/** Records an attempt; a delivered or given-up event leaves the outbox's pending rows in the same transaction. */
export async function recordDeliveryAttempt(pool: PgPool, attempt: DeliveryAttempt): Promise<void> {
  await inTransaction(pool, async (tx) => {
    await tx.query(
      `INSERT INTO t_webhook_delivery (subscription_id, outbox_seq, event_id, event_type, attempt, outcome, status_code, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        attempt.subscriptionId,
        attempt.event.seq,
        attempt.event.eventId,
        attempt.event.eventType,
        attempt.attempt,
        attempt.outcome,
        attempt.statusCode,
        attempt.error,
      ],
    );
    if (attempt.outcome === 'FAILED') return;
    await tx.query(`UPDATE t_webhook_outbox SET status = $2, finished_at = now() WHERE seq = $1 AND status = 'PENDING'`, [
      attempt.event.seq,
      attempt.outcome === 'DELIVERED' ? 'DELIVERED' : 'FAILED',
    ]);
  });
}

/** How many attempts the event has had so far. */
export async function attemptsOf(db: Queryable, seq: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t_webhook_delivery WHERE outbox_seq = $1', [seq]);
  return rows[0]?.n ?? 0;
}

/**
 * Deletes up to `limit` events finished (DELIVERED or FAILED) more than `olderThanMs` ago, with their attempts, oldest
 * first; returns how many. Pending events are never deleted, however old.
 */
export async function deleteFinishedWebhookEvents(pool: PgPool, olderThanMs: number, limit: number): Promise<number> {
  return inTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ seq: string }>(
      `SELECT seq FROM t_webhook_outbox
        WHERE status <> 'PENDING' AND finished_at < now() - $1 * interval '1 millisecond' ORDER BY seq LIMIT $2 FOR UPDATE`,
      [olderThanMs, limit],
    );
    if (rows.length === 0) return 0;
    const seqs = rows.map((r) => r.seq);
    await tx.query('DELETE FROM t_webhook_delivery WHERE outbox_seq = ANY($1::bigint[])', [seqs]);
    const deleted = await tx.query('DELETE FROM t_webhook_outbox WHERE seq = ANY($1::bigint[])', [seqs]);
    return deleted.rowCount ?? 0;
  });
}

/** Subscriptions (not deleted) with events still pending: what a listener wakes when it (re)connects. */
export async function subscriptionsWithPendingEvents(pool: PgPool): Promise<string[]> {
  const { rows } = await pool.query<{ subscription_id: string }>(
    `SELECT DISTINCT o.subscription_id FROM t_webhook_outbox o JOIN t_webhook_subscription s ON s.id = o.subscription_id
      WHERE o.status = 'PENDING' AND s.deleted_at IS NULL`,
  );
  return rows.map((r) => r.subscription_id);
}

/**
 * A connection of its own that LISTENs for subscriptions with new committed outbox rows: `onRows` gets each
 * subscription id, `onLost` is called once when the connection breaks (the caller reconnects).
 */
export async function listenForOutboxRows(
  databaseUrl: string,
  onRows: (subscriptionId: string) => void,
  onLost: () => void,
): Promise<{ close(): Promise<void> }> {
  const connection = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  let lost = false;
  const lose = () => {
    if (lost) return;
    lost = true;
    connection.end().catch(() => undefined);
    onLost();
  };
  connection.on('error', lose);
  connection.on('end', lose);
  connection.on('notification', (message: Notification) => {
    if (message.channel === OUTBOX_CHANNEL && message.payload) onRows(message.payload);
  });
  await connection.connect();
  await connection.query(`LISTEN ${OUTBOX_CHANNEL}`);
  return {
    async close() {
      lost = true;
      await connection.end().catch(() => undefined);
    },
  };
}
