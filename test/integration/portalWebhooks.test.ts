// The portal's Webhooks page, in Debian's chromium against the real stack: an operator adds a webhook (its secret
// shown once, and it is the one the receiver verifies with), follows its deliveries and deletes it after a
// confirmation; the page has no accessibility violation (axe-core) at 1280 and 390 px.
import { Browser, Page } from 'playwright-core';
import { DeviceState } from '../../src/devices/states';
import { createLogger } from '../../src/platform/logger';
import { startOutboxListener } from '../../src/webhooks/outboxListener';
import { TestStack, ownDatabases, startServingStack, waitFor } from './harness';
import { apiClient, expectStatus } from './apiClient';
import { BatchTenant, batchTenant, seedDevices } from './batchSupport';
import { WatchedContext, accessibilityFaults, buildPortal, launchChromium, watchedContext } from './browserSupport';
import { WebhookReceiver } from './webhookReceiver';

const UI_TIMEOUT_MS = 30_000;

describe('webhooks in the portal', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let listener: { stop(): Promise<void> };
  let portalDir: string;
  let browser: Browser;
  let tenant: BatchTenant;
  let watched: WatchedContext;
  let databases: Awaited<ReturnType<typeof ownDatabases>>;

  beforeAll(async () => {
    // Databases of its own: its outbox listener delivers only this file's webhooks.
    [portalDir, databases] = await Promise.all([buildPortal(), ownDatabases('portal_webhooks')]);
    ({ stack, base, stop } = await startServingStack({ PORTAL_DIR: portalDir, ...databases.env }));
    listener = startOutboxListener({
      pool: stack.pool,
      temporal: stack.client,
      config: stack.config,
      log: createLogger('silent', 'portal-webhooks'),
    });
    tenant = await batchTenant(stack);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await watched?.context.close();
    await browser?.close();
    await listener?.stop();
    await stop?.();
    await databases?.drop();
  });

  async function signedIn(): Promise<Page> {
    watched = await watchedContext(browser);
    watched.page.setDefaultTimeout(UI_TIMEOUT_MS);
    await watched.page.goto(`${base}/`);
    await watched.page.getByLabel('API key').fill(tenant.apiKey);
    await watched.page.getByRole('button', { name: 'Sign in' }).click();
    await watched.page.getByTestId('whoami').waitFor();
    return watched.page;
  }

  it('adds a webhook (secret shown once, verified by the receiver), shows its deliveries and deletes it after a confirmation', async () => {
    const receiver = new WebhookReceiver();
    await receiver.up();
    try {
      const page = await signedIn();
      await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
      await page.getByText('No webhooks yet.').waitFor();
      await page.getByLabel('URL').fill(receiver.url);
      await page.getByLabel('batch.finished').check();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      const secret = (await page.getByTestId('webhook-secret').locator('code').textContent())!;
      expect(secret).toMatch(/^whsec_/);
      await page.getByTestId('webhooks').getByRole('cell', { name: receiver.url, exact: true }).waitFor();
      expect(await page.getByTestId('webhooks').textContent()).toContain('device.state_changed, batch.finished');
      expect(await accessibilityFaults(page, 'webhooks')).toEqual([]);

      const [uid] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.READY_FOR_USE);
      expectStatus(
        await apiClient(base, tenant.apiKey).post('/devices/{uid}/actions', { path: { uid: uid! }, body: { action: 'ACTIVATE' } }),
        200,
      );
      const [request] = await waitFor('the webhook', async () => receiver.received.length > 0 && receiver.received);
      expect(request!.verified(secret).data).toMatchObject({ deviceUid: uid, state: 'ACTIVE' });

      await page.getByRole('button', { name: `Deliveries of ${receiver.url}` }).click();
      const deliveries = page.getByTestId('webhook-deliveries');
      await deliveries.getByText('DELIVERED').waitFor();
      expect(await deliveries.textContent()).toContain('device.state_changed');

      await page.getByRole('button', { name: 'Delete', exact: true }).click();
      const confirmation = page.getByRole('dialog', { name: 'Delete this webhook?' });
      await confirmation.getByRole('button', { name: 'Delete webhook' }).click();
      await page.getByText('No webhooks yet.').waitFor();
      expect(expectStatus(await apiClient(base, tenant.apiKey).get('/webhooks'), 200).webhooks).toEqual([]);
      // The portal asks for the tenant's calendar to show times in its zone; this tenant has none: a 404 Chromium logs.
      const noCalendar = /status of 404 .*\/working-hours\)$/;
      expect(watched.faults.filter((fault) => !noCalendar.test(fault))).toEqual([]);
    } finally {
      await receiver.down();
    }
  });
});
