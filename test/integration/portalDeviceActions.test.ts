// Device actions in the operators' portal, in Debian's chromium against the real stack: on the device page an
// operator registers a device with a note, confirms a RELEASE, and sees both in the timeline with channel PORTAL;
// on the bulk page, mode "Apply a device action" ACTIVATEs the devices of a file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { DeviceState } from '../../src/devices/states';
import { TestStack, startServingStack } from './harness';
import { BatchTenant, batchTenant, csvOf, seedDevices, uploadCsv } from './batchSupport';
import { expectStatus } from './apiClient';
import { WatchedContext, buildPortal, launchChromium, watchedContext } from './browserSupport';

const UI_TIMEOUT_MS = 30_000;

describe('device actions in the portal', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let portalDir: string;
  /** The CSV files the browser uploads. */
  let csvDir: string;
  let browser: Browser;
  let tenant: BatchTenant;
  const watched: WatchedContext[] = [];

  beforeAll(async () => {
    portalDir = await buildPortal();
    csvDir = await mkdtemp(join(tmpdir(), 'do-portal-csv-'));
    ({ stack, base, stop } = await startServingStack({ PORTAL_DIR: portalDir }));
    tenant = await batchTenant(stack);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    if (csvDir) await rm(csvDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    // The portal asks for the tenant's calendar to show times in its zone; this tenant has none, which is an
    // answer (configured: false), not an error. Nothing may go wrong.
    for (const w of watched.splice(0)) {
      await w.context.close();
      expect(w.faults).toEqual([]);
    }
  });

  async function signedIn(): Promise<Page> {
    const w = await watchedContext(browser);
    w.page.setDefaultTimeout(UI_TIMEOUT_MS);
    watched.push(w);
    await w.page.goto(`${base}/`);
    await w.page.getByLabel('API key').fill(tenant.apiKey);
    await w.page.getByRole('button', { name: 'Sign in' }).click();
    await w.page.getByTestId('whoami').waitFor();
    return w.page;
  }

  it('registers a device with a note, then releases it after a confirmation; the timeline shows both as PORTAL', async () => {
    const [uid] = await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE);
    const page = await signedIn();
    await page.goto(`${base}/#/devices/${uid}`);
    const panel = page.getByTestId('device-actions');
    await panel.getByLabel('Note (kept in the device’s history)').fill('received in the warehouse');
    await panel.getByRole('button', { name: 'REGISTER', exact: true }).click();
    await panel.getByRole('status').filter({ hasText: 'IDLE → READY_FOR_USE' }).waitFor();

    await panel.getByRole('button', { name: 'RELEASE', exact: true }).click();
    const confirmation = panel.getByRole('alertdialog', { name: 'Confirm RELEASE' });
    await confirmation.waitFor();
    await confirmation.getByRole('button', { name: 'Confirm RELEASE' }).press('Enter');
    await panel.getByRole('status').filter({ hasText: 'READY_FOR_USE → RELEASED' }).waitFor();
    await panel.getByText('No action leads out of RELEASED.').waitFor();

    const timeline = page.getByTestId('timeline');
    await timeline.getByText('RELEASE', { exact: true }).waitFor();
    const rows = await timeline.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain(`user-${tenant.tenantId} via PORTAL`);
    expect(rows[0]).toContain('received in the warehouse');
    expect(rows[1]).toContain('via PORTAL');
  });

  it('applies ACTIVATE to every device of a file from the bulk page', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 3, DeviceState.READY_FOR_USE);
    const page = await signedIn();
    await page.getByRole('link', { name: 'Bulk action', exact: true }).click();
    await page.getByLabel('Apply a device action').check();
    await page.locator('select[name=action]').selectOption('ACTIVATE');
    const csvPath = join(csvDir, 'activate.csv');
    await writeFile(csvPath, csvOf(uids));
    await page.locator('input[type=file]').setInputFiles(csvPath);
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Start 3 devices' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start 3 devices' }).click();
    await page.waitForURL(/#\/batches\/[0-9a-f-]{36}$/);
    await page.getByTestId('status').filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 120_000 });
    await expect(page.getByTestId('counters').locator('tr[data-code=OK] td.num').textContent()).resolves.toBe('3');
    const { rows } = await stack.pool.query('SELECT state_id FROM t_device WHERE tenant_id = $1 AND uid = ANY($2)', [
      tenant.tenantId,
      uids,
    ]);
    expect(rows.map((r) => r.state_id)).toEqual([DeviceState.ACTIVE, DeviceState.ACTIVE, DeviceState.ACTIVE]);
  });

  it('a preview uploaded through the API is started from its batch page, which shows what it predicted', async () => {
    const uids = [...(await seedDevices(stack, tenant.tenantId, 2)), ...(await seedDevices(stack, tenant.tenantId, 1, DeviceState.IDLE))];
    const query = { mode: 'action' as const, action: 'ACTIVATE' as const, preview: true };
    const preview = expectStatus(await uploadCsv(base, tenant.apiKey, csvOf(uids), query), 201);
    const page = await signedIn();
    await page.goto(`${base}/#/batches/${preview.batchId}`);
    await expect(page.locator('h1').getByTestId('status').textContent()).resolves.toContain('PREVIEW');
    await expect(page.getByTestId('preview-codes').locator('tbody tr').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^OK2row 1: /),
      expect.stringMatching(/^INVALID_TRANSITION1row 3: .*ACTIVATE is not allowed from IDLE/),
    ]);
    await expect(page.getByRole('button', { name: 'Cancel batch' }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Start 3 devices' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start 3 devices' }).click();
    await page.locator('h1').getByTestId('status').filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 120_000 });
    await expect(page.getByTestId('counters').locator('tr[data-code=OK] td.num').textContent()).resolves.toBe('2');
    await expect(page.getByTestId('counters').locator('tr[data-code=INVALID_TRANSITION] td.num').textContent()).resolves.toBe('1');
  });
});
