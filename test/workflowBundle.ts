// The workflows the tests' workers run, bundled once per test run: jest's global setup (test/globalSetup.ts, for every
// project that runs workers) bundles test/workflows/index.ts — the product's workflows and the test-only ones beside
// them — into a file whose path it hands the test files in DO_TEST_WORKFLOW_BUNDLE. Bundling takes seconds of CPU;
// the test files used to do it each (9 bundles a run).
import { bundleWorkflowCode } from '@temporalio/worker';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BUNDLE_PATH = 'DO_TEST_WORKFLOW_BUNDLE';

/** Global setup: bundles the workflows unless an earlier project's setup in this run did. */
export async function bundleTestWorkflowsOnce(runId: string): Promise<void> {
  if (process.env[BUNDLE_PATH]) return;
  const bundlePath = join(tmpdir(), `do-workflow-bundle-${runId}.js`);
  await writeFile(bundlePath, await bundleWorkflows(require.resolve('./workflows')));
  process.env[BUNDLE_PATH] = bundlePath;
}

/** Global teardown: removes the bundle. */
export async function removeTestWorkflowBundle(): Promise<void> {
  const bundlePath = process.env[BUNDLE_PATH];
  if (bundlePath) await rm(bundlePath, { force: true });
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

/** Bundles the workflows of `workflowsPath` (a test's own set, such as the lock simulation's actors beside the product's). */
export async function bundleWorkflows(workflowsPath: string): Promise<string> {
  const noop = () => undefined;
  const quiet = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
  return (await bundleWorkflowCode({ workflowsPath, logger: quiet })).code;
}
