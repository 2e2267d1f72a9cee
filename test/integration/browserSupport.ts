// The portal in a real browser for tests: the portal built into a folder of its own, and Debian's
// chromium (never a downloaded browser) driven by playwright-core, with every console error, page error
// and request to anywhere but 127.0.0.1 recorded so a test can insist there were none; and axe-core's
// WCAG checks of a page at a desktop and a phone width.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { source as axeSource } from 'axe-core';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { oncePerRun, runScoped } from './oncePerRun';

const ROOT = resolve(__dirname, '..', '..');

const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

/** Builds the portal with Vite, once per test run, into a folder of the run's (the API then serves it via PORTAL_DIR). */
export async function buildPortal(): Promise<string> {
  const outDir = runScoped('portal');
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await oncePerRun('portal', async () => {
    await promisify(execFile)(process.execPath, [vite, 'build', 'portal', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'error'], {
      cwd: ROOT,
    });
  });
  return outDir;
}

/** Debian's chromium (scripts/test.sh installs it when missing), or CHROMIUM_PATH. */
function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`no chromium at ${path}: scripts/test.sh installs Debian's chromium (apt-get install chromium), or set CHROMIUM_PATH`);
  }
  return path;
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true });
}

export interface WatchedContext {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors and requests that would have left 127.0.0.1. */
  faults: string[];
  /** Every URL the page requested. */
  requests: string[];
}

/** A fresh browser context (its own sessionStorage) whose page is watched for faults. */
export async function watchedContext(browser: Browser): Promise<WatchedContext> {
  const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
  const faults: string[] = [];
  const requests: string[] = [];
  // Watched, not intercepted: routing every request through the test would cost the browser CPU and turn off its cache.
  // (These machines reach nothing beyond 127.0.0.1 anyway; a request that tries is the fault.)
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol !== 'blob:' && url.protocol !== 'data:' && url.hostname !== '127.0.0.1')
      faults.push(`request left 127.0.0.1: ${url.href}`);
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') faults.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => faults.push(`page error: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  return { context, page, faults, requests };
}

/**
 * Removes the one fault a step expects, e.g. Chromium's console error for an answer the test provoked
 * ("Failed to load resource: ... status of 400"); fails when it is not there.
 */
export function takeExpectedFault(watched: WatchedContext, pattern: RegExp): void {
  const index = watched.faults.findIndex((fault) => pattern.test(fault));
  if (index === -1) throw new Error(`expected a fault matching ${pattern}; faults: ${JSON.stringify(watched.faults)}`);
  watched.faults.splice(index, 1);
}

/** With DO_PORTAL_SCREENSHOTS=1 (`npm run screenshots:portal`), saves the page to docs/portal/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.DO_PORTAL_SCREENSHOTS) return;
  const dir = join(ROOT, 'docs', 'portal');
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** What axe-core reports for one rule broken on a page, and where. */
interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (every rule it enables by default: WCAG 2.0–2.2 A/AA and best practices) on the page as it is
 * at 1280 px and at 390 px, and checks that at 390 px the page does not scroll sideways. Returns one line per
 * violation (empty when there is none); the page ends at the desktop width again.
 */
export async function accessibilityFaults(page: Page, name: string): Promise<string[]> {
  const faults: string[] = [];
  for (const viewport of [DESKTOP, PHONE]) {
    await page.setViewportSize(viewport);
    // The layout settles within a frame or two of the resize.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    if (viewport === PHONE) {
      const overflow = await horizontalOverflow(page);
      if (overflow > 0) faults.push(`${name} at ${viewport.width} px: the page scrolls sideways by ${overflow} px`);
    }
    for (const violation of await axeViolations(page)) {
      const where = violation.nodes.map((node) => JSON.stringify(node.target)).join(', ');
      faults.push(`${name} at ${viewport.width} px: ${violation.id} (${violation.impact}): ${violation.help} — ${where}`);
    }
  }
  await page.setViewportSize(DESKTOP);
  return faults;
}

/** axe-core is put into the page by the test driver (the portal's CSP allows no inline script; evaluate is not subject to it). */
async function axeViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.evaluate(axeSource);
  // (A string: the tests are compiled without the DOM's types.)
  return page.evaluate<AxeViolation[]>(`window.axe.run(document).then((results) =>
    results.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    })))`);
}

/** How far the page is wider than the window (0 when it does not scroll sideways). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
}

/** The text of the focused element when it is a page heading (h1), else null. */
export function focusedHeading(page: Page): Promise<string | null> {
  return page.evaluate<string | null>("document.activeElement?.tagName === 'H1' ? document.activeElement.textContent : null");
}

/** The focused element's role attribute and text. */
export function focusedElement(page: Page): Promise<{ role: string | null; text: string | null }> {
  return page.evaluate<{ role: string | null; text: string | null }>(
    "({ role: document.activeElement?.getAttribute('role') ?? null, text: document.activeElement?.textContent ?? null })",
  );
}
