// In every worker process: wakes the delivery workflows of the subscriptions whose outbox got rows. PostgreSQL
// delivers a NOTIFY only when its transaction commits, so a workflow is woken after the change is durable, never
// for one rolled back. Wakes are gathered for FLUSH_MS (a 2,000-device batch wakes its subscription a few times,
// not 2,000); a wake Temporal refused is tried again at the next flush. On (re)connecting, every subscription
// with pending rows is woken, for rows written while nobody listened; the workflows' own sweep covers the rest.
import type { Client } from '@temporalio/client';
import type { AppConfig } from '../platform/config';
import type { PgPool } from '../platform/db/postgres';
import type { Logger } from '../platform/logger';
import { wakeWebhookDelivery } from './deliveryStarter';
import { listenForOutboxRows, subscriptionsWithPendingEvents } from './outboxStore';

const FLUSH_MS = 200;
const RECONNECT_MS = 2_000;

export interface OutboxListenerDeps {
  pool: PgPool;
  temporal: Client;
  config: AppConfig;
  log: Logger;
}

export function startOutboxListener(deps: OutboxListenerDeps): { stop(): Promise<void> } {
  const toWake = new Set<string>();
  let stopped = false;
  let connection: { close(): Promise<void> } | null = null;

  const flush = async () => {
    const ids = [...toWake];
    toWake.clear();
    for (const id of ids) {
      await wakeWebhookDelivery(deps.temporal, deps.config, id).catch((err: Error) => {
        toWake.add(id);
        deps.log.warn({ subscriptionId: id, err: err.message }, 'webhooks: could not wake a delivery workflow; trying again');
      });
    }
  };
  let flushing = flushLoop();
  async function flushLoop(): Promise<void> {
    while (!stopped) {
      await flush();
      await new Promise((resolve) => setTimeout(resolve, FLUSH_MS));
    }
  }

  const connect = async (): Promise<void> => {
    while (!stopped) {
      try {
        connection = await listenForOutboxRows(deps.config.postgres.url, (id) => toWake.add(id), onLost);
        for (const id of await subscriptionsWithPendingEvents(deps.pool)) toWake.add(id);
        return;
      } catch (err) {
        await connection?.close();
        connection = null;
        deps.log.warn({ err: (err as Error).message }, 'webhooks: outbox listener cannot connect to PostgreSQL; retrying');
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    }
  };
  const onLost = () => {
    connection = null;
    if (!stopped) setTimeout(() => void connect(), RECONNECT_MS);
  };
  void connect();

  return {
    async stop() {
      stopped = true;
      await flushing;
      flushing = flush();
      await flushing;
      await connection?.close();
    },
  };
}
