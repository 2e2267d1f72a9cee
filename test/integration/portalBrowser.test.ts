// The operators' portal in Debian's chromium against the real stack: an operator signs in, uploads a
// CSV of 50 devices and watches the batch reach COMPLETED with failures, searches and filters its rows,
// retries (confirmed), downloads the results, cancels a running batch (confirmed), schedules one with a start time
// and a failure limit (shown on the preview, SCHEDULED with its start, then run), sees the outcome
// colours of COMPLETED-with-failures, FAILED and CANCELLED batches, opens a device, sets a 1-minute lock
// and cancels it from the keyboard, exits a workflow; a read-only key sees no write controls; a tenant
// without a calendar sees UTC and no invented zone; a gateway key cannot sign in. axe-core checks every
// page at 1280 and 390 px (and that none scrolls sideways on a phone). Any console error or request
// leaving 127.0.0.1 fails it.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import { createApiKey } from '../../dev/inventorySeed';
import { DeviceState } from '../../src/devices/states';
import { isoToZonedWallTime } from '../../portal/src/format';
import { TestStack, createTenantWithKey, startServingStack, waitFor } from './harness';
import { BatchTenant, batchTenant, csvOf, freshImei, seedDevices, uploadCsv, waitForBatchEnd } from './batchSupport';
import { expectStatus } from './apiClient';
import {
  PHONE,
  WatchedContext,
  accessibilityFaults,
  buildPortal,
  focusedElement,
  focusedHeading,
  horizontalOverflow,
  launchChromium,
  screenshot,
  takeExpectedFault,
  watchedContext,
} from './browserSupport';

const UI_TIMEOUT_MS = 30_000;

/** The one browser function the test calls in the page (the tests are compiled without the DOM's types). */
interface BrowserWindow {
  getComputedStyle(element: unknown): { backgroundColor: string };
}
/** The badge colours of the outcomes (background), as the browser computes them. */
const OUTCOME_BACKGROUNDS = {
  'with-failures': 'rgb(255, 243, 214)',
  failed: 'rgb(247, 223, 226)',
  cancelled: 'rgb(227, 232, 238)',
};

describe('operators portal in a real browser', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let portalDir: string;
  /** The CSV files the browser uploads. */
  let csvDir: string;
  let browser: Browser;
  let tenant: BatchTenant;
  let readOnlyKey: string;
  let gatewayKey: string;
  let readyUids: string[];
  let idleUids: string[];
  let unknownUids: string[];
  let batchId = '';
  const watched: WatchedContext[] = [];
  const accessibility: string[] = [];

  beforeAll(async () => {
    portalDir = await buildPortal();
    csvDir = await mkdtemp(join(tmpdir(), 'do-portal-csv-'));
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
    if (csvDir) await rm(csvDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const w of watched.splice(0)) {
      await w.context.close();
      expect(w.faults).toEqual([]);
    }
    expect(accessibility.splice(0)).toEqual([]);
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

  /** axe-core on the page at both widths; every violation is kept and fails the test at its end. */
  async function checkAccessibility(page: Page, name: string) {
    accessibility.push(...(await accessibilityFaults(page, name)));
  }

  async function expectFocusOnHeading(page: Page, heading: string | RegExp) {
    const text = await waitFor(`focus on the heading ${heading}`, async () => (await focusedHeading(page)) ?? undefined);
    expect(text).toMatch(heading);
  }

  it('an operator uploads 50 devices, follows the batch, searches its rows, retries, downloads results and locks a device', async () => {
    const watchedPage = await open();
    const { page, requests } = watchedPage;
    await checkAccessibility(page, 'sign-in');
    await screenshot(page, '1-sign-in');
    await signIn(page, tenant.apiKey);
    await expect(page.getByTestId('whoami').textContent()).resolves.toContain(`${tenant.tenantId} · user-${tenant.tenantId} · operator`);
    await expectFocusOnHeading(page, 'Batches');
    expect(await page.title()).toBe('Batches · device-orchestrator');

    // A refused upload is shown as the API words it, and the focus goes to it.
    await page.getByRole('link', { name: 'Bulk action', exact: true }).click();
    await expectFocusOnHeading(page, 'Bulk action');
    await checkAccessibility(page, 'bulk action');
    const semicolons = join(csvDir, 'semicolons.csv');
    await writeFile(semicolons, `deviceUid;note\n${readyUids[0]};first\n`);
    await page.locator('input[type=file]').setInputFiles(semicolons);
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    const refusal = page.getByRole('alert');
    await expect(refusal.locator('.problem-code').textContent()).resolves.toBe('VALIDATION_FAILED');
    await expect(refusal.locator('.problem-detail').textContent()).resolves.toContain('";" as delimiter: save it with commas');
    await waitFor('focus on the refusal', async () => (await focusedElement(page)).role === 'alert');
    await screenshot(page, '2-bulk-action-refused');
    takeExpectedFault(watchedPage, /status of 400/);

    // Bulk action: 44 devices ready, 4 IDLE (wrong state for assign), 2 unknown.
    const csvPath = join(csvDir, 'fifty-devices.csv');
    await writeFile(csvPath, csvOf([...readyUids, ...idleUids, ...unknownUids]));
    await page.locator('input[type=file]').setInputFiles(csvPath);
    await expect(page.locator('select[name=workflowId] option').first().textContent()).resolves.toContain(`Workflow of ${tenant.tenantId}`);
    await screenshot(page, '2-bulk-action');
    await page.getByRole('button', { name: 'Upload and preview' }).click();

    // The preview predicts each row from the inventory and starts nothing; Discard goes back to the form.
    const predicted = page.getByTestId('preview-codes');
    await predicted.waitFor();
    await expect(predicted.locator('tbody tr').allTextContents()).resolves.toEqual([
      expect.stringMatching(/^OK44row 1: /),
      expect.stringMatching(/^WRONG_STATE_DEVICE4row 45: .*direct assignment needs READY_FOR_USE/),
      expect.stringMatching(/^DEVICE_NOT_FOUND2row 49: /),
    ]);
    await checkAccessibility(page, 'bulk action, preview');
    await screenshot(page, '2-bulk-action-preview');
    await page.getByRole('button', { name: 'Discard' }).click();
    await page.locator('input[type=file]').setInputFiles(csvPath);
    await page.getByRole('button', { name: 'Upload and preview' }).click();
    await page.getByRole('button', { name: 'Start 50 devices' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start 50 devices' }).click();

    await page.waitForURL(/#\/batches\/[0-9a-f-]{36}$/);
    batchId = /#\/batches\/([0-9a-f-]{36})$/.exec(page.url())![1]!;
    await expectFocusOnHeading(page, /^Batch /);
    const badge = page.locator('h1').getByTestId('status');
    await badge.filter({ hasText: 'COMPLETED' }).waitFor({ timeout: 120_000 });
    expect(requests.some((url) => url.endsWith(`/v1/batches/${batchId}/events`))).toBe(true);
    // Six rows failed: the badge is not green, and says so; the bar has its shares.
    await expect(badge.textContent()).resolves.toBe('COMPLETED · 6 failed');
    await expect(badge.getAttribute('data-outcome')).resolves.toBe('with-failures');
    await expect(page.getByRole('progressbar', { name: 'Batch progress' }).getAttribute('aria-valuetext')).resolves.toBe(
      '44 succeeded, 6 failed of 50',
    );
    expect(await page.title()).toBe('Batch fifty-devices.csv · COMPLETED · device-orchestrator');
    const summary = page.locator('dl.summary');
    await expect(summary.textContent()).resolves.toMatch(
      new RegExp(`Workflow of ${tenant.tenantId}.*File.*fifty-devices\\.csv.*Created by.*user-${tenant.tenantId}`),
    );
    // Times are in the tenant's zone, named; the viewer's own time is on hover.
    const created = summary.locator('time').first();
    await expect(created.textContent()).resolves.toMatch(/ Europe\/Berlin$/);
    await expect(created.getAttribute('title')).resolves.toMatch(/^your time: /);
    const counters = page.getByTestId('counters');
    await expect(counters.locator('tr[data-code=OK] td.num').textContent()).resolves.toBe('44');
    await expect(counters.locator('tr[data-code=WRONG_STATE_DEVICE] td.num').textContent()).resolves.toBe('4');
    await expect(counters.locator('tr[data-code=DEVICE_NOT_FOUND] td.num').textContent()).resolves.toBe('2');
    await expect(page.getByTestId('batch-progress').textContent()).resolves.toContain('50 / 50 done (100 %)');
    await expect(page.getByTestId('progress-announcement').getAttribute('aria-live')).resolves.toBe('polite');
    await checkAccessibility(page, 'batch');
    await screenshot(page, '3-batch');

    // All rows are listed (25 a page); filtered by status, by code, and found by UID.
    const rows = page.getByTestId('rows').locator('tbody tr');
    await waitFor('the first page of all rows', async () => (await rows.count()) === 25);
    await page.locator('select[name=rowStatus]').selectOption('FAILED');
    await waitFor('6 failed rows', async () => (await rows.count()) === 6);
    await page.getByTestId('code-filter').selectOption('WRONG_STATE_DEVICE');
    await waitFor('4 WRONG_STATE_DEVICE rows', async () => (await rows.count()) === 4);
    const shownUids = await rows.locator('td:nth-child(2)').allTextContents();
    expect(shownUids.sort()).toEqual([...idleUids].sort());
    await screenshot(page, '4-batch-failed-rows');
    await page.getByRole('button', { name: 'show rows with code OK' }).click();
    await waitFor('a page of OK rows', async () => (await rows.count()) === 25);
    expect(new Set(await rows.locator('td:nth-child(4)').allTextContents())).toEqual(new Set(['OK']));
    const wanted = readyUids[7]!;
    await page.getByLabel('Device UID starts with').fill(wanted);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await waitFor(
      `the row of ${wanted}`,
      async () => (await rows.count()) === 1 && (await rows.locator('td:nth-child(2)').textContent()) === wanted,
    );

    // Results CSV: a header and one line per row of the file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download results CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`batch-${batchId}-results.csv`);
    const csv = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(51);
    expect(csv.filter((line) => line.includes('WRONG_STATE_DEVICE'))).toHaveLength(4);

    // Retry asks first, naming how many devices; Escape keeps the batch as it is.
    const retryButton = page.getByRole('button', { name: 'Retry failed devices' });
    await retryButton.click();
    const retryDialog = page.getByRole('dialog', { name: 'Retry the failed devices?' });
    await expect(retryDialog.textContent()).resolves.toContain('The 6 failed devices run again');
    await checkAccessibility(page, 'retry confirmation');
    await page.keyboard.press('Escape');
    await retryDialog.waitFor({ state: 'hidden' });
    expect(requests.some((url) => url.endsWith('/retry'))).toBe(false);
    await retryButton.click();
    const [retryRequest] = await Promise.all([
      page.waitForRequest((request) => request.url().endsWith(`/v1/batches/${batchId}/retry`)),
      retryDialog.getByRole('button', { name: 'Retry 6 devices' }).click(),
    ]);
    expect(retryRequest.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    const notice = page.getByTestId('command-notice');
    await notice.waitFor();
    await page.locator('dl.summary dt', { hasText: 'Retries' }).waitFor();
    await notice.getByText('Retry 1 ended COMPLETED: 6 devices still failed.').waitFor({ timeout: 120_000 });
    await expect(counters.locator('tr[data-code=WRONG_STATE_DEVICE] td.num').textContent()).resolves.toBe('4');

    // One device at a time from here: a threshold stops a batch before all its devices ran, and a batch of
    // 200 still runs when its cancel comes.
    const windowSize = stack.config.batch.windowSize;
    stack.config.batch.windowSize = 1;
    // A batch stopped by its failure threshold: FAILED, red, no cancel, a retry.
    const failedBatch = expectStatus(
      await uploadCsv(base, tenant.apiKey, csvOf(Array.from({ length: 12 }, freshImei)), {
        mode: 'assign',
        workflowId: tenant.workflowId,
        maxFailures: 2,
      }),
      202,
    );
    expect((await waitForBatchEnd(base, tenant.apiKey, failedBatch.batchId)).status).toBe('FAILED');
    await page.goto(`${base}/#/batches/${failedBatch.batchId}`);
    await badge.filter({ hasText: 'FAILED' }).waitFor();
    await expect(badge.getAttribute('data-outcome')).resolves.toBe('failed');
    await page.getByRole('button', { name: 'Retry failed devices' }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel batch' }).count()).toBe(0);
    // "show rows" works for every code, CANCELLED too.
    await page.getByRole('button', { name: 'show rows with code CANCELLED' }).click();
    await waitFor(
      'the CANCELLED rows',
      async () => (await rows.count()) > 0 && (await rows.locator('td:nth-child(4)').first().textContent()) === 'CANCELLED',
    );

    // A running batch paused and resumed, then cancelled, each after its confirmation; the notice follows it to its end.
    const runningBatch = expectStatus(
      await uploadCsv(base, tenant.apiKey, csvOf(Array.from({ length: 200 }, freshImei)), {
        mode: 'assign',
        workflowId: tenant.workflowId,
      }),
      202,
    );
    try {
      await page.goto(`${base}/#/batches/${runningBatch.batchId}`);
      await page.getByRole('button', { name: 'Pause batch' }).click();
      const pauseDialog = page.getByRole('dialog', { name: 'Pause this batch?' });
      await expect(pauseDialog.textContent()).resolves.toMatch(/No new device starts: the \d+ devices not yet done wait until you resume/);
      await pauseDialog.getByRole('button', { name: 'Pause batch' }).click();
      await badge.filter({ hasText: 'PAUSED' }).waitFor();
      await page.getByTestId('command-notice').getByText('Paused: no new devices start until you resume.').waitFor();
      await expect(badge.getAttribute('data-outcome')).resolves.toBe('paused');
      await page.getByRole('button', { name: 'Resume batch' }).click();
      await page.getByRole('dialog', { name: 'Resume this batch?' }).getByRole('button', { name: 'Resume batch' }).click();
      await badge.filter({ hasText: 'RUNNING' }).waitFor();
      await page.getByTestId('command-notice').getByText('Resumed: the batch is RUNNING.').waitFor();
      await page.getByRole('button', { name: 'Cancel batch' }).click();
      const cancelDialog = page.getByRole('dialog', { name: 'Cancel this batch?' });
      await expect(cancelDialog.textContent()).resolves.toMatch(/the \d+ devices not yet done end CANCELLED/);
      await cancelDialog.getByRole('button', { name: 'Cancel batch' }).click();
      await badge.filter({ hasText: 'CANCELLED' }).waitFor();
      await page
        .getByTestId('command-notice')
        .getByText(/^Batch ended CANCELLED: \d+ devices cancelled\.$/)
        .waitFor();
      expect(await page.getByRole('button', { name: 'Cancel batch' }).count()).toBe(0);
      await expect(badge.getAttribute('data-outcome')).resolves.toBe('cancelled');
    } finally {
      stack.config.batch.windowSize = windowSize;
    }

    // The batches list: file, creator, workflow, and the colours of the three outcomes.
    await page.getByRole('link', { name: 'Batches', exact: true }).click();
    const listedBadge = (id: string) =>
      page
        .getByTestId('batches')
        .locator('tr', { has: page.locator(`a[href="#/batches/${id}"]`) })
        .getByTestId('status');
    const listed = page.getByTestId('batches').locator('tr', { has: page.locator(`a[href="#/batches/${batchId}"]`) });
    await listed.waitFor();
    await expect(listed.textContent()).resolves.toMatch(
      new RegExp(
        `fifty-devices\\.csv.*user-${tenant.tenantId}.*assign · Workflow of ${tenant.tenantId}.*COMPLETED · 6 failed.*retried 1×.*44 succeeded, 6 failed of 50`,
      ),
    );
    for (const [id, outcome] of [
      [batchId, 'with-failures'],
      [failedBatch.batchId, 'failed'],
      [runningBatch.batchId, 'cancelled'],
    ] as const) {
      const colour = listedBadge(id);
      await colour.and(page.locator(`[data-outcome=${outcome}]`)).waitFor();
      await expect(
        colour.evaluate((element) => (globalThis as unknown as BrowserWindow).getComputedStyle(element).backgroundColor),
      ).resolves.toBe(OUTCOME_BACKGROUNDS[outcome]);
    }
    const statusOptions = await page.locator('select[name=status]').locator('option').allTextContents();
    expect(statusOptions).toEqual(
      expect.arrayContaining(['CREATED (not started)', 'RUNNING', 'COMPLETED', 'CANCELLED', expect.stringMatching(/^FAILED/)]),
    );
    await checkAccessibility(page, 'batches');
    await screenshot(page, '5-batches');

    // A device of the batch: its state, assignment and timeline; then a 1-minute lock.
    const uid = readyUids[0]!;
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByLabel('Device UID (IMEI or serial number)').fill(uid);
    await page.getByRole('button', { name: 'Find' }).click();
    await expectFocusOnHeading(page, `Device ${uid}`);
    await expect(page.getByTestId('device').textContent()).resolves.toContain('READY_FOR_USE');
    await expect(page.getByTestId('device').textContent()).resolves.toContain(`Workflow of ${tenant.tenantId}`);
    await page.getByTestId('timeline').getByText('ASSIGN_WORKFLOW_REQUESTED').waitFor();
    await page.getByLabel('Minutes').fill('1');
    await page.getByLabel('Notification').fill('Payment overdue');
    const [setLockRequest] = await Promise.all([
      page.waitForRequest((request) => request.method() === 'PUT' && request.url().includes('/temp-lock')),
      page.getByRole('button', { name: 'Set lock' }).click(),
    ]);
    expect(setLockRequest.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    const lockPanel = page.getByTestId('temp-lock');
    await lockPanel.getByTestId('status').filter({ hasText: 'ACTIVATING' }).waitFor();
    await expect(lockPanel.getByTestId('lock-notification').textContent()).resolves.toBe('Payment overdue');
    await expect(lockPanel.getByTestId('lock-words').textContent()).resolves.toBe("Waiting for the device's check-in to start the lock");
    // While the lock runs there is no form to set another; the focus is on the lock's panel.
    expect(await page.getByTestId('set-lock').count()).toBe(0);
    await waitFor('focus on the lock panel', async () => (await focusedElement(page)).text === 'Temporary lock');
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
    await expect(page.getByTestId('last-check-in').textContent()).resolves.toMatch(/ Europe\/Berlin$/);
    // The device itself is LOCKED (held) and its timeline shows the lock's activation.
    await page.getByTestId('device').getByText('LOCKED (before: READY_FOR_USE)').waitFor();
    await page.getByTestId('timeline').getByText('TEMP_LOCK_ACTIVATED').waitFor();
    await checkAccessibility(page, 'device with a running lock');
    await screenshot(page, '6-device');

    // Cancel the lock from the keyboard: the dialog opens on its safe choice; Tab, Enter confirms.
    await page.getByRole('button', { name: 'Cancel lock' }).focus();
    await page.keyboard.press('Enter');
    const cancelLock = page.getByRole('dialog', { name: 'Cancel this temporary lock?' });
    await expect(cancelLock.textContent()).resolves.toContain(`1 device (${uid}) is unlocked at its next check-in`);
    await expect(focusedElement(page)).resolves.toMatchObject({ text: 'Keep as it is' });
    await page.keyboard.press('Tab');
    const [cancelRequest] = await Promise.all([
      page.waitForRequest((request) => request.method() === 'DELETE' && request.url().includes('/temp-lock')),
      page.keyboard.press('Enter'),
    ]);
    expect(cancelRequest.headers()['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    await waitFor('the lock to end on check-in', async () => {
      await fetch(`${base}/v1/devices/${uid}/check-in`, { method: 'POST', headers: { 'X-API-Key': gatewayKey } });
      return (await lockPanel.textContent())?.includes('(ended)');
    });
    // Its record stays in view after it ended, and a new lock can be set again.
    await expect(page.getByTestId('lock-history').locator('li').count()).resolves.toBeGreaterThan(2);
    await page.getByTestId('set-lock').waitFor();

    // Exiting a workflow asks first, naming the device; the Devices page offers the one opened before.
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByTestId('recent-devices').getByRole('link', { name: uid }).waitFor();
    await checkAccessibility(page, 'devices, recently opened');
    // The list of the tenant's devices: its IDLE ones, then one found by the start of its UID, opened from the list.
    const search = page.getByRole('search', { name: 'Search devices' });
    const listedUids = () =>
      page
        .getByTestId('device-list')
        .locator('tbody code')
        .first()
        .waitFor()
        .then(() => page.getByTestId('device-list').locator('tbody tr td:first-child code').allTextContents());
    await search.getByLabel('State').selectOption('IDLE');
    await search.getByRole('button', { name: 'Search' }).click();
    await waitFor('the IDLE devices listed', async () => (await listedUids()).join() === [...idleUids].sort().join());
    await search.getByLabel('State').selectOption('');
    const searched = readyUids[5]!;
    await search.getByLabel('UID or IMEI starts with').fill(searched.slice(0, 14));
    await search.getByRole('button', { name: 'Search' }).click();
    await waitFor('the device found by its UID prefix', async () => (await listedUids()).join() === searched);
    await checkAccessibility(page, 'devices, searched');
    await screenshot(page, '6-devices');
    await page.getByTestId('device-list').getByRole('link', { name: searched }).click();
    await expectFocusOnHeading(page, `Device ${searched}`);
    // The list's link names the device's workspace: a UID in two workspaces opens the one listed.
    expect(new URL(page.url()).hash).toBe(`#/devices/${searched}/${tenant.tenantId}`);
    await page.goto(`${base}/#/devices/${readyUids[1]}`);
    await page.getByRole('button', { name: 'Exit workflow' }).click();
    const exitDialog = page.getByRole('dialog', { name: "Exit this device's workflow?" });
    await expect(exitDialog.textContent()).resolves.toContain(`1 device (${readyUids[1]}) leaves Workflow of ${tenant.tenantId}`);
    await exitDialog.getByRole('button', { name: 'Exit workflow' }).click();
    await page.getByTestId('workflow-actions').getByRole('status').waitFor();
    await page.getByRole('button', { name: 'Assign workflow' }).waitFor();

    // Working hours and the next-working-instant preview (Christmas Eve is a holiday in the calendar).
    await page.getByRole('link', { name: 'Working hours', exact: true }).click();
    await expect(page.getByTestId('calendar-summary').textContent()).resolves.toContain('Europe/Berlin');
    await page.getByLabel('Requested at (your local time)').fill('2026-12-24T10:00');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect(page.locator('.preview-answer').textContent()).resolves.toContain('2026-12-28 08:00 MON');
    await checkAccessibility(page, 'working hours');
    await screenshot(page, '7-working-hours');
  });

  it('a batch uploaded with a start time and a failure limit: shown on the preview, SCHEDULED with its start, then it runs', async () => {
    const uids = await seedDevices(stack, tenant.tenantId, 3);
    const { page } = await open();
    await signIn(page, tenant.apiKey);
    await page.getByRole('link', { name: 'Bulk action', exact: true }).click();
    const csvPath = join(csvDir, 'scheduled.csv');
    await writeFile(csvPath, csvOf(uids));
    await page.locator('input[type=file]').setInputFiles(csvPath);
    // The start is read in the tenant's zone, which the label names; whole seconds, long enough ahead to see it wait.
    const startAt = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000).toISOString();
    await page.getByLabel('Start at (Europe/Berlin)').fill(isoToZonedWallTime(startAt, 'Europe/Berlin'));
    await page.getByLabel('Stop after more than this many failed devices').fill('2');
    const workingHours = page.getByLabel('Only within working hours');
    await expect(workingHours.isChecked()).resolves.toBe(false);
    await expect(workingHours.getAttribute('aria-describedby').then((id) => page.locator(`[id="${id}"]`).textContent())).resolves.toMatch(
      new RegExp(`^Devices start only inside the working hours of ${tenant.tenantId}, the target workspace`),
    );
    await page.getByRole('button', { name: 'Upload and preview' }).click();

    const settings = page.getByTestId('preview-settings');
    await settings.waitFor();
    await expect(settings.getByTestId('settings-start').locator('time').getAttribute('datetime')).resolves.toBe(startAt);
    await expect(settings.getByTestId('settings-start').textContent()).resolves.toMatch(/ Europe\/Berlin$/);
    await expect(settings.getByTestId('settings-working-hours').textContent()).resolves.toBe('any time');
    await expect(settings.getByTestId('settings-failure-limit').textContent()).resolves.toBe('stops after more than 2 failed devices');
    await checkAccessibility(page, 'bulk action, preview with a schedule');
    await page.getByRole('button', { name: 'Start 3 devices' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start 3 devices' }).click();

    await page.waitForURL(/#\/batches\/[0-9a-f-]{36}$/);
    const badge = page.locator('h1').getByTestId('status');
    await badge.filter({ hasText: 'SCHEDULED' }).waitFor();
    const nextStart = page.getByTestId('next-start');
    await expect(nextStart.locator('time').getAttribute('datetime')).resolves.toBe(startAt);
    await expect(nextStart.textContent()).resolves.toMatch(/^starts .* Europe\/Berlin$/);
    await expect(page.getByTestId('batch-progress').textContent()).resolves.toContain('0 / 3 done');
    await checkAccessibility(page, 'batch, scheduled');
    await badge.filter({ hasText: 'COMPLETED' }).waitFor();
    await expect(page.getByTestId('batch-progress').textContent()).resolves.toContain('3 / 3 done (100 %)');
    expect(await nextStart.count()).toBe(0);
    await expect(page.locator('dl.summary').getByTestId('settings-failure-limit').textContent()).resolves.toBe(
      'stops after more than 2 failed devices',
    );
  });

  it('on a phone the top bar collapses into a menu, and no page scrolls sideways from 360 to 1920 px', async () => {
    expect(batchId).not.toBe('');
    const { page } = await open();
    await page.setViewportSize(PHONE);
    await signIn(page, tenant.apiKey);
    await page.goto(`${base}/#/batches/${batchId}`);
    await page.locator('h1').getByTestId('status').filter({ hasText: 'COMPLETED' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    const menu = page.getByRole('button', { name: 'Menu' });
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, '9-phone-batch');
    await menu.click();
    await nav.waitFor();
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('true');
    await screenshot(page, '9-phone-menu');
    await nav.getByRole('link', { name: 'Batches' }).click();
    await expectFocusOnHeading(page, 'Batches');
    expect(await nav.isVisible()).toBe(false);
    await page.getByTestId('batches').waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, '9-phone-batches');
    // The smallest phones in use, and a wide desktop screen.
    for (const viewport of [
      { width: 360, height: 740 },
      { width: 1920, height: 1080 },
    ]) {
      await page.setViewportSize(viewport);
      await page.goto(`${base}/#/batches/${batchId}`);
      await page.getByTestId('rows').locator('tbody tr').first().waitFor();
      expect(await horizontalOverflow(page)).toBe(0);
    }
    await screenshot(page, '10-wide-batch');
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
    await page.locator('h1').getByTestId('status').filter({ hasText: 'COMPLETED' }).waitFor();
    await page.getByRole('button', { name: 'Download results CSV' }).waitFor();
    expect(requests.filter((url) => url.endsWith(`/v1/batches/${batchId}`)).length).toBeGreaterThan(0);
    expect(await writeControls.count()).toBe(0);

    await page.goto(`${base}/#/devices/${readyUids[0]}`);
    await page.getByTestId('temp-lock').getByTestId('status').waitFor();
    expect(await writeControls.count()).toBe(0);
    expect(await page.getByTestId('set-lock').count()).toBe(0);
    await checkAccessibility(page, 'device, read-only');

    await page.goto(`${base}/#/working-hours`);
    await page.getByTestId('calendar-summary').waitFor();
    expect(await writeControls.count()).toBe(0);
    await checkAccessibility(page, 'working hours, read-only');

    await page.goto(`${base}/#/bulk`);
    await page.getByText('Your key is read-only').waitFor();
    expect(await page.locator('input[type=file]').count()).toBe(0);
    await checkAccessibility(page, 'bulk action, read-only');

    await page.goto(`${base}/#/nowhere`);
    await expectFocusOnHeading(page, 'No such page');
    await checkAccessibility(page, 'no such page');
  });

  it('a tenant without a calendar sees times in UTC and no invented time zone', async () => {
    const newcomer = await createTenantWithKey(stack);
    const watchedPage = await open();
    const { page } = watchedPage;
    await signIn(page, newcomer.apiKey);
    await page.getByRole('link', { name: 'Working hours', exact: true }).click();
    await expect(page.getByTestId('calendar-summary').textContent()).resolves.toContain('no calendar and no time zone yet');
    await expect(page.getByLabel('Time zone').inputValue()).resolves.toBe('');
    await checkAccessibility(page, 'working hours without a calendar');
    await page.getByRole('link', { name: 'Batches', exact: true }).click();
    await page.getByText('No batches yet.').waitFor();
    await checkAccessibility(page, 'batches, none yet');
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await checkAccessibility(page, 'devices search');
  });

  it('a device-gateway key cannot sign in, and is told why', async () => {
    const { page } = await open();
    await signIn(page, gatewayKey);
    const problem = page.getByRole('alert');
    await expect(problem.locator('.problem-code').textContent()).resolves.toBe('FORBIDDEN');
    await expect(problem.locator('.problem-detail').textContent()).resolves.toContain('device-gateway key');
    await checkAccessibility(page, 'sign-in refused');
    await screenshot(page, '8-gateway-key-refused');
    expect(await page.getByTestId('whoami').count()).toBe(0);
  });
});
