// The webhook outbox in PostgreSQL: which subscriptions an event is written for (its tenant's and those of the tenants
// above it), and how long records are kept (WEBHOOK_RETENTION_MS: the sweep deletes events finished, DELIVERED or
// FAILED, longer ago, with their attempts, and never an event still pending, however old; newer finished events stay).
import { upsertTenant } from '../../dev/inventorySeed';
import { inTransaction } from '../../src/platform/db/postgres';
import { announceWebhookEvent, pendingWebhookEvents, recordDeliveryAttempt } from '../../src/webhooks/outboxStore';
import { insertSubscription } from '../../src/webhooks/subscriptionStore';
import type { WebhookEventType } from '../../src/webhooks/events';
import { MockActivityEnvironment } from '@temporalio/testing';
import { keepingLogger } from '../sdkRuntime';
import { createWebhookDeliveryActivities } from '../../src/webhooks/deliveryActivities';
import { subscribeWebhook } from '../../src/webhooks/subscriptions';
import { deleteExpiredWebhookRecords } from '../../src/webhooks/retention';
import { TestStack, startTestStack } from './harness';

const DAY_MS = 24 * 3_600_000;

describe('webhook outbox', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => stack.close());

  it('writes an event for the subscriptions of its tenant and of the tenants above it, and no others', async () => {
    const [root, workspace, team, sibling, otherRoot] = ['root', 'ws', 'team', 'sibling', 'other'].map((p) => stack.uniqueId(p));
    await upsertTenant(stack.pool, root!, 'Root');
    await upsertTenant(stack.pool, workspace!, 'Workspace', root!);
    await upsertTenant(stack.pool, team!, 'Team', workspace!);
    await upsertTenant(stack.pool, sibling!, 'Sibling', root!);
    await upsertTenant(stack.pool, otherRoot!, 'Other root');
    const subscribe = (tenantId: string, events: WebhookEventType[]) =>
      insertSubscription(stack.pool, {
        id: stack.uniqueId('wh'),
        tenantId,
        url: 'http://127.0.0.1:9/none',
        events,
        secret: 'whsec_dGVzdA==',
        createdBy: 'test',
      });
    const subscriptions = {
      root: await subscribe(root!, ['device.state_changed']),
      rootBatches: await subscribe(root!, ['batch.finished']),
      workspace: await subscribe(workspace!, ['device.state_changed']),
      sibling: await subscribe(sibling!, ['device.state_changed']),
      otherRoot: await subscribe(otherRoot!, ['device.state_changed']),
    };
    await inTransaction(stack.pool, (tx) =>
      announceWebhookEvent(tx, { tenantId: team!, type: 'device.state_changed', data: { deviceUid: '490154203237518' } }),
    );

    const written = async (key: keyof typeof subscriptions) => pendingWebhookEvents(stack.pool, subscriptions[key].id, 10);
    for (const key of ['root', 'workspace'] as const) {
      const events = await written(key);
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]!.body)).toMatchObject({
        type: 'device.state_changed',
        data: { tenantId: team, deviceUid: '490154203237518' },
      });
    }
    for (const key of ['rootBatches', 'sibling', 'otherRoot'] as const) expect(await written(key)).toEqual([]);
  });

  it('refuses a loopback, private or link-local target unless WEBHOOK_ALLOW_PRIVATE_TARGETS, when subscribing and before each delivery', async () => {
    const tenantId = stack.uniqueId('tenant');
    await upsertTenant(stack.pool, tenantId, 'Guarded');
    const caller = { tenantId, userId: 'ops', role: 'operator' } as Parameters<typeof subscribeWebhook>[1];
    const deps = (allowPrivateTargets: boolean) => ({
      pool: stack.pool,
      temporal: stack.client,
      config: { webhooks: { allowPrivateTargets } },
    });
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.0.0.7/hook', 'http://localhost:8080/hook']) {
      await expect(subscribeWebhook(deps(false), caller, { url, events: ['batch.finished'] })).rejects.toMatchObject({
        status: 422,
        code: 'INVALID_WEBHOOK_URL',
        message: expect.stringContaining('webhooks go to public addresses only'),
      });
    }

    // Made while allowed (or a name that later resolves to such an address): each delivery refuses it, recorded as failed.
    const subscription = await subscribeWebhook(deps(true), caller, { url: 'http://127.0.0.1:9/hook', events: ['batch.finished'] });
    await inTransaction(stack.pool, (tx) => announceWebhookEvent(tx, { tenantId, type: 'batch.finished', data: {} }));
    const guarded = createWebhookDeliveryActivities({ pool: stack.pool, allowPrivateWebhookTargets: false });
    const kept = keepingLogger();
    await expect(
      new MockActivityEnvironment(undefined, { logger: kept.logger }).run(guarded.deliverPendingWebhookEvents, {
        subscriptionId: subscription.id,
        requestTimeoutMs: 1000,
      }),
    ).rejects.toMatchObject({ type: 'WEBHOOK_NOT_TAKEN' });
    expect(kept.lines.filter((l) => l.level === 'WARN').map((l) => l.message)).toEqual(['Activity failed']);
    const attempts = await stack.pool.query('SELECT outcome, status_code, error FROM t_webhook_delivery WHERE subscription_id = $1', [
      subscription.id,
    ]);
    expect(attempts.rows).toEqual([
      { outcome: 'FAILED', status_code: null, error: expect.stringContaining('127.0.0.1 is a loopback, private or link-local address') },
    ]);
  });

  it('deletes events finished longer ago than the retention, with their attempts, and nothing else', async () => {
    const tenantId = stack.uniqueId('tenant');
    await upsertTenant(stack.pool, tenantId, 'Retention');
    const subscription = await insertSubscription(stack.pool, {
      id: stack.uniqueId('wh'),
      tenantId,
      url: 'http://127.0.0.1:9/none',
      events: ['batch.finished'],
      secret: 'whsec_dGVzdA==',
      createdBy: 'test',
    });
    for (let i = 0; i < 5; i++) {
      await inTransaction(stack.pool, (tx) => announceWebhookEvent(tx, { tenantId, type: 'batch.finished', data: { i } }));
    }
    const [delivered, gaveUp, pending, recent, alsoOld] = await pendingWebhookEvents(stack.pool, subscription.id, 10);
    const attempt = (event: typeof delivered, n: number, outcome: 'DELIVERED' | 'FAILED' | 'GAVE_UP') =>
      recordDeliveryAttempt(stack.pool, {
        subscriptionId: subscription.id,
        event: event!,
        attempt: n,
        outcome,
        statusCode: outcome === 'DELIVERED' ? 204 : 500,
        error: null,
      });
    await attempt(delivered, 1, 'DELIVERED');
    await attempt(gaveUp, 1, 'FAILED');
    await attempt(gaveUp, 2, 'GAVE_UP');
    await attempt(pending, 1, 'FAILED');
    await attempt(recent, 1, 'DELIVERED');
    await attempt(alsoOld, 1, 'DELIVERED');
    const old = [delivered!.seq, gaveUp!.seq, pending!.seq, alsoOld!.seq];
    await stack.pool.query(
      `UPDATE t_webhook_outbox SET created_at = now() - interval '20 days',
              finished_at = CASE WHEN finished_at IS NULL THEN NULL ELSE now() - interval '15 days' END
        WHERE seq = ANY($1::bigint[])`,
      [old],
    );

    // Two at a time: the sweep goes on until a round finds fewer than its limit.
    expect(await deleteExpiredWebhookRecords(stack.pool, 14 * DAY_MS, 2)).toBe(3);

    const outbox = await stack.pool.query('SELECT seq, status FROM t_webhook_outbox WHERE subscription_id = $1 ORDER BY seq', [
      subscription.id,
    ]);
    expect(outbox.rows.map((r) => [Number(r.seq), r.status])).toEqual([
      [pending!.seq, 'PENDING'],
      [recent!.seq, 'DELIVERED'],
    ]);
    const deliveries = await stack.pool.query('SELECT outbox_seq FROM t_webhook_delivery WHERE subscription_id = $1 ORDER BY id', [
      subscription.id,
    ]);
    expect(deliveries.rows.map((r) => Number(r.outbox_seq))).toEqual([pending!.seq, recent!.seq]);
    expect(await deleteExpiredWebhookRecords(stack.pool, 14 * DAY_MS, 2)).toBe(0);
  });
});
