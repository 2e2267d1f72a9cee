// The workflows the tests' workers run, bundled once: jest's global setup (test/globalSetup.ts, for every project that
// runs workers) bundles test/workflows/index.ts — the product's workflows and the test-only ones beside them — and
// hands the test files the file's path in DO_TEST_WORKFLOW_BUNDLE. The bundle is kept in dist-test/ under a hash of
// the sources it can contain (src/, test/, the lock file), so the next jest run (the simulations after the rest, or a
// developer's next `npm test -- <file>`) reuses it until a source changes. Bundling takes seconds of CPU; the test
// files used to do it each (10 bundles a run).
import { bundleWorkflowCode } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RUN_OUTPUTS } from './runOutputs';

const BUNDLE_PATH = 'DO_TEST_WORKFLOW_BUNDLE';
const ROOT = resolve(__dirname, '..');
const PREFIX = 'workflow-bundle-';

/** Global setup: the bundle of today's sources, made unless it exists. */
export async function bundleTestWorkflowsOnce(): Promise<void> {
  if (process.env[BUNDLE_PATH]) return;
  const name = `${PREFIX}${await sourcesHash()}.js`;
  const bundlePath = join(RUN_OUTPUTS, name);
  if (!existsSync(bundlePath)) {
    await mkdir(RUN_OUTPUTS, { recursive: true });
    // Written aside and renamed, so a jest run beside this one never reads half a bundle.
    const partial = `${bundlePath}.${process.pid}.partial`;
    await writeFile(partial, await bundleWorkflows(require.resolve('./workflows')));
    await rename(partial, bundlePath);
    // Older sources' bundles are of no further use.
    for (const entry of await readdir(RUN_OUTPUTS)) {
      if (entry.startsWith(PREFIX) && entry.endsWith('.js') && entry !== name) await rm(join(RUN_OUTPUTS, entry), { force: true });
    }
  }
  process.env[BUNDLE_PATH] = bundlePath;
}

/** The bundle's path, for `workflowBundle: { codePath }`. */
export function testWorkflowBundlePath(): string {
  const bundlePath = process.env[BUNDLE_PATH];
  if (!bundlePath) throw new Error(`${BUNDLE_PATH} is not set: jest's global setup (test/globalSetup.ts) bundles the workflows`);
  return bundlePath;
}

/** The bundle's code, for `workflowBundle: { code }`. */
export async function testWorkflowCode(): Promise<string> {
  return readFile(testWorkflowBundlePath(), 'utf8');
}

/** Bundles the workflows of `workflowsPath`, e.g. the deliberately altered ones of the replay suite. */
export async function bundleWorkflows(workflowsPath: string): Promise<string> {
  const noop = () => undefined;
  const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
  return (await bundleWorkflowCode({ workflowsPath, logger: quiet })).code;
}

/** A hash of every file a bundle can contain: the TypeScript under src/ and test/, and the installed packages' lock file. */
async function sourcesHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = [
    ...(await typeScriptUnder(join(ROOT, 'src'))),
    ...(await typeScriptUnder(join(ROOT, 'test'))),
    join(ROOT, 'package-lock.json'),
  ].sort();
  for (const file of files)
    hash
      .update(file)
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex').slice(0, 16);
}

async function typeScriptUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
}
