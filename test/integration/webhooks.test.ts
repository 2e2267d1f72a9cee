// Events out as Standard Webhooks (SPEC §9), through the HTTP API and a real receiver: subscriptions (secret shown
// once, URL and events validated, operators only), a signed device.state_changed after a state action verified by
// the `standardwebhooks` package, every event delivered in order per device after the receiver was down for a dozen
// attempts of the head event, the last ones at the retry policy's longest interval (the retries visible in the deliveries
// list), a temp lock's statuses with its LOCK and UNLOCK, batch.finished after a small batch, deletion.
import { DeviceState } from '../../src/devices/states';
import { WEBHOOK_DELIVERY_WORKFLOW, webhookDeliveryWorkflowId } from '../../src/webhooks/contract';
import { startOutboxListener } from '../../src/webhooks/outboxListener';
import { createLogger } from '../../src/platform/logger';
import { createApiKey } from '../../dev/inventorySeed';
import { TestStack, createTenantWithKey, ownDatabases, recordHistory, startServingStack, waitFor } from './harness';
import { ApiClient, apiClient, expectStatus } from './apiClient';
import { batchTenant, csvOf, seedDevices, uploadCsv, waitForBatchEnd } from './batchSupport';
import { WebhookReceiver, verifyWebhook } from './webhookReceiver';
import { ExpectedSdkWarnings, activityError, expectActivityFailures } from '../sdkRuntime';
import { cancelLock, lockClients, lockableDevice, statusesOf, waitForDeviceState, waitForStatus } from './tempLockSupport';

/**
 * The retry policy of these tests' deliveries: 100 ms doubling to 800 ms (the product's: 5 s doubling to an hour).
 * An outage is measured in the attempts it fails rather than in seconds: the receiver stays down until the head event
 * has failed OUTAGE_ATTEMPTS times, the last ones at the policy's longest interval (the back-off at its cap). With the
 * product's policy a minute's outage fails 4 attempts (after 5, 10 and 20 s); this one fails three times as many.
 */
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 800;
const OUTAGE_ATTEMPTS = 12;

describe('webhooks', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let listener: { stop(): Promise<void> };
  let failures: ExpectedSdkWarnings | undefined;
  let databases: Awaited<ReturnType<typeof ownDatabases>>;

  beforeAll(async () => {
    // Databases of its own: its outbox listener delivers only this file's webhooks.
    databases = await ownDatabases('webhooks');
    ({ stack, base, stop } = await startServingStack({
      WEBHOOK_RETRY_BASE_MS: String(RETRY_BASE_MS),
      WEBHOOK_RETRY_MAX_MS: String(RETRY_MAX_MS),
      ...databases.env,
    }));
    listener = startOutboxListener({
      pool: stack.pool,
      temporal: stack.client,
      config: stack.config,
      log: createLogger('silent', 'webhooks-test'),
    });
  });
  afterEach(() => failures?.stop());
  afterAll(async () => {
    await listener.stop();
    await stop();
    await databases.drop();
  });

  type EventType = 'device.state_changed' | 'temp_lock.status_changed' | 'batch.finished';
  async function subscribed(client: ApiClient, receiver: WebhookReceiver, events: EventType[]) {
    return expectStatus(await client.post('/webhooks', { body: { url: receiver.url, events } }), 201);
  }

  it('subscribes with a secret shown once, lists without it, refuses bad URLs and events (422) and non-operators (403)', async () => {
    const { tenantId, apiKey } = await createTenantWithKey(stack);
    const operator = apiClient(base, apiKey);
    const created = expectStatus(
      await operator.post('/webhooks', { body: { url: 'https://hooks.example.net/devices', events: ['device.state_changed'] } }),
      201,
    );
    expect(created).toMatchObject({ tenantId, url: 'https://hooks.example.net/devices', events: ['device.state_changed'] });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const listed = expectStatus(await operator.get('/webhooks'), 200);
    expect(listed.webhooks.map((w) => w.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    expect(JSON.stringify(expectStatus(await operator.get('/webhooks/{id}', { path: { id: created.id } }), 200))).not.toContain('whsec_');

    for (const url of ['ftp://example.net/x', 'not a url', 'https://user:pw@example.net/', 42]) {
      const refused = expectStatus(await operator.post('/webhooks', { body: { url: url as string, events: ['batch.finished'] } }), 422);
      expect(refused.code).toBe('INVALID_WEBHOOK_URL');
      expect(refused.detail).toContain('http:// or https://');
    }
    for (const events of [[], ['device.deleted'], 'batch.finished']) {
      const refused = expectStatus(await operator.post('/webhooks', { body: { url: 'https://example.net/', events: events as [] } }), 422);
      expect(refused.code).toBe('INVALID_WEBHOOK_EVENTS');
      expect(refused.detail).toContain('device.state_changed, temp_lock.status_changed, batch.finished');
    }
    const readOnly = apiClient(base, await createApiKey(stack.pool, tenantId, 'viewer', 'read_only'));
    expect((await readOnly.post('/webhooks', { body: { url: 'https://example.net/', events: ['batch.finished'] } })).status).toBe(403);
    expect((await readOnly.delete('/webhooks/{id}', { path: { id: created.id } })).status).toBe(403);
    const other = apiClient(base, (await createTenantWithKey(stack)).apiKey);
    expect(expectStatus(await other.get('/webhooks/{id}', { path: { id: created.id } }), 404).code).toBe('NOT_FOUND');
    expect(expectStatus(await other.get('/webhooks'), 200).webhooks).toEqual([]);

    expect((await operator.delete('/webhooks/{id}', { path: { id: created.id } })).status).toBe(204);
    expect(expectStatus(await operator.get('/webhooks/{id}', { path: { id: created.id } }), 404).code).toBe('NOT_FOUND');
    expect(expectStatus(await operator.get('/webhooks'), 200).webhooks).toEqual([]);
  });

  it('sends a signed device.state_changed after a state action, which the standardwebhooks package verifies', async () => {
    const tenant = await batchTenant(stack);
    const operator = apiClient(base, tenant.apiKey);
    const receiver = new WebhookReceiver();
    await receiver.up();
    try {
      const hook = await subscribed(operator, receiver, ['device.state_changed']);
      const [uid] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.READY_FOR_USE);
      const action = expectStatus(
        await operator.post('/devices/{uid}/actions', { path: { uid: uid! }, body: { action: 'ACTIVATE', note: 'paid' } }),
        200,
      );

      const [request] = await waitFor('the webhook', async () => receiver.received.length > 0 && receiver.received);
      const event = request!.verified(hook.secret);
      expect(event).toMatchObject({
        type: 'device.state_changed',
        data: {
          deviceUid: uid,
          action: 'ACTIVATE',
          previousState: 'READY_FOR_USE',
          state: 'ACTIVE',
          historyEntryId: action.historyEntryId,
          note: 'paid',
        },
      });
      expect(request!.headers['webhook-id']).toBe(event.id);
      expect(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(request!.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      // A body changed on the way, or another subscription's secret, does not verify.
      expect(() => verifyWebhook(hook.secret, request!.body.replace('"ACTIVE"', '"LOCKED"'), request!.headers)).toThrow();
      expect(() => request!.verified(`whsec_${Buffer.alloc(24, 7).toString('base64')}`)).toThrow();

      const { deliveries } = expectStatus(await operator.get('/webhooks/{id}/deliveries', { path: { id: hook.id } }), 200);
      expect(deliveries).toEqual([
        expect.objectContaining({
          eventId: event.id,
          eventType: 'device.state_changed',
          attempt: 1,
          outcome: 'DELIVERED',
          statusCode: 204,
          error: null,
        }),
      ]);
    } finally {
      await receiver.down();
    }
  });

  it(`delivers every event, in order per device, after the receiver was down for ${OUTAGE_ATTEMPTS} attempts; the retries are listed`, async () => {
    // Each failed attempt is also a warning of the SDK's worker: collected here (and counted below), not printed.
    failures = expectActivityFailures('deliverPendingWebhookEvents', /WEBHOOK_NOT_TAKEN/);
    const tenant = await batchTenant(stack);
    const operator = apiClient(base, tenant.apiKey);
    const receiver = new WebhookReceiver();
    await receiver.up();
    await receiver.down();
    const hook = await subscribed(operator, receiver, ['device.state_changed']);
    const uids = await seedDevices(stack, tenant.tenantId, 3, DeviceState.IDLE);
    const steps = ['REGISTER', 'ACTIVATE', 'LOCK', 'UNLOCK', 'RELEASE'] as const;
    const expected = new Map<string, number[]>();
    for (const action of steps) {
      for (const uid of uids) {
        const done = expectStatus(await operator.post('/devices/{uid}/actions', { path: { uid }, body: { action } }), 200);
        expected.set(uid, [...(expected.get(uid) ?? []), done.historyEntryId]);
      }
    }
    let failedSoFar = 0;
    const failedAttempts = await waitFor(
      `${OUTAGE_ATTEMPTS} failed attempts`,
      async () => {
        const { deliveries } = expectStatus(
          await operator.get('/webhooks/{id}/deliveries', { path: { id: hook.id }, query: { limit: 200 } }),
          200,
        );
        failedSoFar = deliveries.filter((d) => d.outcome === 'FAILED').length;
        return failedSoFar >= OUTAGE_ATTEMPTS && deliveries;
      },
      // About 8 s here; a worker starved on a loaded machine took minutes.
      120_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message} (${failedSoFar} failed attempts listed)`);
    });
    expect(receiver.received).toEqual([]);
    await receiver.up();

    const events = await waitFor(
      'all 15 events',
      async () => {
        const all = receiver.eventsOfType('device.state_changed');
        return all.length >= 15 && all;
      },
      60_000,
    );
    expect(events).toHaveLength(15);
    for (const uid of uids) {
      expect(events.filter((e) => e.data.deviceUid === uid).map((e) => e.data.historyEntryId)).toEqual(expected.get(uid));
    }
    for (const request of receiver.received) expect(() => request.verified(hook.secret)).not.toThrow();

    // The head event was tried again and again while the receiver was down, each attempt with its number and error.
    const retries = failedAttempts.filter((d) => d.outcome === 'FAILED');
    expect(retries.length).toBeGreaterThanOrEqual(OUTAGE_ATTEMPTS);
    expect(new Set(retries.map((d) => d.eventId)).size).toBe(1);
    expect(Math.max(...retries.map((d) => d.attempt))).toBeGreaterThanOrEqual(OUTAGE_ATTEMPTS);
    expect(retries[0]).toMatchObject({ statusCode: null, error: expect.stringContaining('could not be reached') });
    // The back-off had reached its cap: the last attempts were the policy's longest interval apart (newest first).
    const gaps = retries
      .slice(0, 4)
      .map((d, i, newest) => (i === 0 ? 0 : Date.parse(newest[i - 1]!.attemptedAt) - Date.parse(d.attemptedAt)));
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThanOrEqual(RETRY_MAX_MS * 0.9);
    // Each failed attempt was one of the worker's "Activity failed" warnings, and nothing else failed the activity.
    failures.stop();
    expect(failures.entries.length).toBeGreaterThanOrEqual(retries.length);
    expect(failures.entries.every((entry) => activityError(entry).includes('could not be reached'))).toBe(true);
    const firstPage = expectStatus(await operator.get('/webhooks/{id}/deliveries', { path: { id: hook.id }, query: { limit: 5 } }), 200);
    expect(firstPage.deliveries).toHaveLength(5);
    const secondPage = expectStatus(
      await operator.get('/webhooks/{id}/deliveries', { path: { id: hook.id }, query: { limit: 5, cursor: firstPage.nextCursor! } }),
      200,
    );
    expect(secondPage.deliveries[0]!.id).toBeLessThan(firstPage.deliveries[4]!.id);

    // Deleted, the subscription's workflow ends at its next round.
    expect((await operator.delete('/webhooks/{id}', { path: { id: hook.id } })).status).toBe(204);
    const handle = stack.client.workflow.getHandle(webhookDeliveryWorkflowId(hook.id));
    await handle.result();
    expect((await handle.describe()).type).toBe(WEBHOOK_DELIVERY_WORKFLOW);
    await recordHistory(stack, webhookDeliveryWorkflowId(hook.id), 'webhookDelivery.receiverDown');
    await receiver.down();
  }, 240_000);

  it("sends temp_lock.status_changed for each of a lock's statuses, and the device.state_changed of its LOCK and UNLOCK", async () => {
    const device = await lockableDevice(stack);
    const { operator, gateway, uid } = lockClients(base, device);
    const receiver = new WebhookReceiver();
    await receiver.up();
    try {
      const hook = await subscribed(operator, receiver, ['temp_lock.status_changed', 'device.state_changed']);
      const { actionId } = expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body: { durationMinutes: 5 } }), 202);
      await waitForStatus(stack, actionId, 'ACTIVATING');
      expect(expectStatus(await gateway.post('/devices/{uid}/check-in', uid), 200).directive).toBe('LOCK');
      await waitForStatus(stack, actionId, 'ACTIVATED');
      await waitForDeviceState(stack, device.deviceId, DeviceState.LOCKED);
      await cancelLock(base, device, actionId);
      await waitForDeviceState(stack, device.deviceId, DeviceState.ACTIVE);
      // The device is ACTIVE again with the unlock's RESUME; the lock's final status is written after.
      await waitForStatus(stack, actionId, 'CANCELLED');

      const statuses = await statusesOf(stack, actionId);
      expect(statuses[statuses.length - 1]).toBe('CANCELLED');
      const lockEvents = await waitFor('every status of the lock', async () => {
        const events = receiver.eventsOfType('temp_lock.status_changed');
        return events.length >= statuses.length && events;
      });
      expect(lockEvents.map((e) => e.data.status)).toEqual(statuses);
      expect(lockEvents.every((e) => e.data.actionId === actionId && e.data.deviceUid === device.uid)).toBe(true);
      const stateEvents = await waitFor('LOCK and UNLOCK', async () => {
        const events = receiver.eventsOfType('device.state_changed');
        return events.length >= 2 && events;
      });
      expect(stateEvents.map((e) => [e.data.action, e.data.state])).toEqual([
        ['LOCK', 'LOCKED'],
        ['UNLOCK', 'ACTIVE'],
      ]);
      for (const request of receiver.received) expect(() => request.verified(hook.secret)).not.toThrow();
    } finally {
      await receiver.down();
    }
  });

  it('sends batch.finished once a small batch has finished', async () => {
    const tenant = await batchTenant(stack);
    const operator = apiClient(base, tenant.apiKey);
    const receiver = new WebhookReceiver();
    await receiver.up();
    try {
      const hook = await subscribed(operator, receiver, ['batch.finished']);
      const uids = await seedDevices(stack, tenant.tenantId, 3, DeviceState.READY_FOR_USE);
      const upload = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), { mode: 'action', action: 'ACTIVATE' }), 202);
      const done = await waitForBatchEnd(base, tenant.apiKey, upload.batchId);
      const [finished] = await waitFor('batch.finished', async () => {
        const events = receiver.eventsOfType('batch.finished');
        return events.length > 0 && events;
      });
      expect(finished).toMatchObject({ data: { batchId: upload.batchId, status: done.status, isSuccess: true } });
      expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['batch.finished']);
      expect(() => receiver.received[0]!.verified(hook.secret)).not.toThrow();
    } finally {
      await receiver.down();
    }
  });
});
