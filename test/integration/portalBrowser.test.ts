// The operators' portal in Debian's chromium against the real stack: an operator signs in, uploads a
// CSV of 50 devices and watches the batch reach COMPLETED, filters the failed rows, downloads the
// results, opens a device and sets a 1-minute lock whose countdown runs; a read-only key sees no write
// controls; a gateway key cannot sign in. Any console error or request leaving 127.0.0.1 fails it.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { createApiKey } from '../../dev/inventorySeed';
import { DeviceState } from '../../src/devices/states';
import { TestStack, startServingStack, waitFor } from './harness';
import { BatchTenant, batchTenant, csvOf, freshImei, seedDevices } from './batchSupport';
import { WatchedContext, buildPortal, launchChromium, screenshot, takeExpectedFault, watchedContext } from './browserSupport';

const UI_TIMEOUT_MS = 30_000;

describe('operators portal in a real browser', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let portalDir: string;
  let browser: Browser;
  let tenant: BatchTenant;
  let readOnlyKey: string;
  let gatewayKey: string;
  let readyUids: string[];
  let idleUids: string[];
  let unknownUids: string[];
  let batchId = '';
  const watched: WatchedContext[] = [];

  beforeAll(async () => {
    portalDir = await buildPortal();
    ({ stack, base, stop } = await startServingStack({ PORTAL_DIR: portalDir }));
    tenant = await batchTenant(stack);
    readOnlyKey = await createApiKey(stack.pool, tenant.tenantId, 'viewer@example.test', 'read_only');
    gatewayKey = await createApiKey(stack.pool, tenant.tenantId, 'gateway', 'device_gateway');
    readyUids = await seedDevices(stack, tenant.tenantId, 44);
    idleUids = await seedDevices(stack, tenant.tenantId, 4, DeviceState.IDLE);
    unknownUids = [freshImei(), freshImei()];
    const calendar = await fetch(`${base}/v1/tenants/${tenant.tenantId}/working-hours`, {
      method: 'PUT',
      headers: { 'X-API-Key': tenant.apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        timeZone: 'Europe/Berlin',
        windows: ['MON', 'TUE', 'WED', 'THU', 'FRI'].map((day) => ({ day, start: '08:00', end: '17:30' })),
        holidays: ['2026-12-24', '2026-12-25'],
      }),
    });
    expect(calendar.status).toBe(200);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stop?.();
    if (portalDir) await rm(portalDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const w of watched.splice(0)) {
      await w.context.close();
      expect(w.faults).toEqual([]);
    }
  });

  async function open(): Promise<WatchedContext> {
    const w = await watchedContext(browser);
    w.page.setDefaultTimeout(UI_TIMEOUT_MS);
    watched.push(w);
    await w.page.goto(`${base}/`);
    return w;
  }

  async function signIn(page: Page, key: string) {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('an operator uploads 50 devices, follows the batch live, filters failures, downloads results and locks a device', async () => {
    const watchedPage = await open();
    const { page, requests } = watchedPage;
    await screenshot(page, '1-sign-in');
    await signIn(page, tenant.apiKey);
    await expect(page.getByTestId('whoami').textContent()).resolves.toContain(`${tenant.tenantId} · user-${tenant.tenantId} · operator`);

    // A refused upload is shown as the API words it.
    await page.getByRole('link', { name: 'Bulk action', exact: true }).click();
    const semicolons = join(portalDir, 'semicolons.csv');
    await writeFile(semicolons, `deviceUid;note\n${readyUids[0]};first\n`);
    await page.locator('input[type=file]').setInputFiles(semicolons);
    await page.getByRole('button', { name: 'Upload and start' }).click();
    const refusal = page.getByRole('alert');
    await expect(refusal.locator('.problem-code').textContent()).resolves.toBe('VALIDATION_FAILED');
    await expect(refusal.locator('.problem-detail').textContent()).resolves.toContain('";" as delimiter: save it with commas');
    await screenshot(page, '2-bulk-action-refused');
    takeExpectedFault(watchedPage, /status of 400/);

    // Bulk action: 44 devices ready, 4 IDLE (wrong state for assign), 2 unknown.
    const csvPath = join(portalDir, 'fifty-devices.csv');
    await writeFile(csvPath, csvOf([...readyUids, ...idleUids, ...unknownUids]));
    await page.locator('input[type=file]').setInputFiles(csvPath);
    await expect(page.locator('select[name=workflowId] option').first().textContent()).resolves.toContain(`Workflow of ${tenant.tenantId}`);
    await screenshot(page, '2-bulk-action');
    await page.getByRole('button', { name: 'Upload and start' }).click();

    await page.waitForURL(/#\/batches\/[0-9a-f-]{36}$/);
    batchId = /#\/batches\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await page.getByTestId('status').filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 120_000 });
    expect(requests.some((url) => url.endsWith(`/v1/batches/${batchId}/events`))).toBe(true);
    const counters = page.getByTestId('counters');
    await expect(counters.locator('tr[data-code=OK] td.num').textContent()).resolves.toBe('44');
    await expect(counters.locator('tr[data-code=WRONG_STATE_DEVICE] td.num').textContent()).resolves.toBe('4');
    await expect(counters.locator('tr[data-code=DEVICE_NOT_FOUND] td.num').textContent()).resolves.toBe('2');
    await expect(page.getByTestId('batch-progress').textContent()).resolves.toContain('50 / 50 done (100 %)');
    await screenshot(page, '3-batch');

    // Failed rows, filtered by code.
    const failedRows = page.getByTestId('failed-rows').locator('tbody tr');
    await waitFor('6 failed rows', async () => (await failedRows.count()) === 6);
    await page.getByTestId('code-filter').selectOption('WRONG_STATE_DEVICE');
    await waitFor('4 WRONG_STATE_DEVICE rows', async () => (await failedRows.count()) === 4);
    const shownUids = await failedRows.locator('td:nth-child(2)').allTextContents();
    expect(shownUids.sort()).toEqual([...idleUids].sort());
    expect(new Set(await failedRows.locator('td:nth-child(3)').allTextContents())).toEqual(new Set(['WRONG_STATE_DEVICE']));
    await screenshot(page, '4-batch-failed-rows');

    // Results CSV: a header and one line per row of the file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download results CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`batch-${batchId}-results.csv`);
    const csv = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(51);
    expect(csv.filter((line) => line.includes('WRONG_STATE_DEVICE'))).toHaveLength(4);

    // Retry the failed devices: a new run of the same batch, followed live again to its end.
    await page.getByRole('button', { name: 'Retry failed devices' }).click();
    await page.getByText('Retrying the failed devices.').waitFor();
    await page.locator('dl.summary dt', { hasText: 'Retries' }).waitFor();
    await page.getByTestId('status').filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 120_000 });
    await expect(counters.locator('tr[data-code=WRONG_STATE_DEVICE] td.num').textContent()).resolves.toBe('4');

    // The batches list shows it.
    await page.getByRole('link', { name: 'Batches', exact: true }).click();
    const listed = page.getByTestId('batches').locator('tr', { has: page.locator(`a[href="#/batches/${batchId}"]`) });
    await listed.waitFor();
    await expect(listed.textContent()).resolves.toMatch(/assign.*COMPLETED.*retried 1×.*50 \/ 50/);
    await screenshot(page, '5-batches');

    // A device of the batch: its state, assignment and timeline; then a 1-minute lock.
    const uid = readyUids[0]!;
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByLabel('Device UID (IMEI or serial number)').fill(uid);
    await page.getByRole('button', { name: 'Find' }).click();
    await expect(page.getByTestId('device').textContent()).resolves.toContain('READY_FOR_USE');
    await expect(page.getByTestId('device').textContent()).resolves.toContain(`Workflow of ${tenant.tenantId}`);
    await page.getByTestId('timeline').getByText('ASSIGN_WORKFLOW_REQUESTED').waitFor();
    await page.getByLabel('Minutes').fill('1');
    await page.getByLabel('Notification').fill('Payment overdue');
    await page.getByRole('button', { name: 'Set lock' }).click();
    await page
      .getByTestId('temp-lock')
      .getByTestId('status')
      .filter({ hasText: /WAITING|ACTIVATING/ })
      .waitFor();
    // The device checks in (through the gateway key, as a device would) and the lock starts.
    await waitFor('the lock to start on check-in', async () => {
      const res = await fetch(`${base}/v1/devices/${uid}/check-in`, { method: 'POST', headers: { 'X-API-Key': gatewayKey } });
      return ((await res.json()) as { directive: string }).directive === 'LOCK';
    });
    const countdown = page.getByTestId('countdown');
    await countdown.waitFor();
    const first = (await countdown.textContent())!;
    expect(first).toMatch(/^(1:00|0:[0-5]\d) /);
    await waitFor('the countdown to tick', async () => (await countdown.textContent()) !== first, 5_000);
    await expect(page.getByTestId('directive').textContent()).resolves.toBe('LOCK');
    // The device itself is LOCKED (held) and its timeline shows the lock's activation.
    await page.getByTestId('device').getByText('LOCKED (before: READY_FOR_USE)').waitFor();
    await page.getByTestId('timeline').getByText('TEMP_LOCK_ACTIVATED').waitFor();
    await screenshot(page, '6-device');

    // Working hours and the next-working-instant preview (Christmas Eve is a holiday in the calendar).
    await page.getByRole('link', { name: 'Working hours', exact: true }).click();
    await expect(page.getByTestId('calendar-summary').textContent()).resolves.toContain('Europe/Berlin');
    await page.getByLabel('Requested at (your local time)').fill('2026-12-24T10:00');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.locator('.preview-answer').textContent()).resolves.toContain('2026-12-28 08:00 MON');
    await screenshot(page, '7-working-hours');
  });

  it('a read-only key sees everything and no write control (and the batch page polls when events fail)', async () => {
    expect(batchId).not.toBe('');
    const { page, requests } = await open();
    // This browser's event streams end at once without their `end` event: the batch page must poll.
    await page.route('**/events', (route) => route.fulfill({ status: 200, contentType: 'text/event-stream', body: ': closing\n\n' }));
    await signIn(page, readOnlyKey);
    await expect(page.getByTestId('whoami').textContent()).resolves.toContain('read_only');
    await expect(page.getByRole('link', { name: 'Bulk action', exact: true }).count()).resolves.toBe(0);
    const writeControls = page.getByRole('button', {
      name: /Upload|Cancel|Retry|Set lock|Cancel lock|Assign workflow|Exit workflow|Save calendar|Add window|Add holiday|remove/,
    });

    await page.goto(`${base}/#/batches/${batchId}`);
    await page.getByTestId('status').filter({ hasText: 'COMPLETED' }).waitFor();
    await page.getByRole('button', { name: 'Download results CSV' }).waitFor();
    expect(requests.filter((url) => url.endsWith(`/v1/batches/${batchId}`)).length).toBeGreaterThan(0);
    expect(await writeControls.count()).toBe(0);

    await page.goto(`${base}/#/devices/${readyUids[0]}`);
    await page.getByTestId('temp-lock').getByTestId('status').waitFor();
    expect(await writeControls.count()).toBe(0);
    expect(await page.getByTestId('set-lock').count()).toBe(0);

    await page.goto(`${base}/#/working-hours`);
    await page.getByTestId('calendar-summary').waitFor();
    expect(await writeControls.count()).toBe(0);

    await page.goto(`${base}/#/bulk`);
    await page.getByText('Your key is read-only').waitFor();
    expect(await page.locator('input[type=file]').count()).toBe(0);
  });

  it('a device-gateway key cannot sign in, and is told why', async () => {
    const { page } = await open();
    await signIn(page, gatewayKey);
    const problem = page.getByRole('alert');
    await expect(problem.locator('.problem-code').textContent()).resolves.toBe('FORBIDDEN');
    await expect(problem.locator('.problem-detail').textContent()).resolves.toContain('device-gateway key');
    await screenshot(page, '8-gateway-key-refused');
    expect(await page.getByTestId('whoami').count()).toBe(0);
  });
});
