// Work that several test files need and that gives the same result each time (a build): done once per test run. The
// first file to ask does it; the others, in other jest workers, wait for its outcome. The marks live in dist-test/
// (git-ignored) under the run's id, and globalTeardown removes them with the run's outputs.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_OUTPUTS } from '../runOutputs';
import { waitFor } from './harness';

/** The run's own path for `name` under dist-test/: `<name>-<run id>` (what globalTeardown removes). */
export function runScoped(name: string): string {
  return join(RUN_OUTPUTS, `${name}-${process.env.DO_TEST_RUN_ID ?? `pid-${process.pid}`}`);
}

/** Runs `work` once per test run, named `name`; every caller resolves when it succeeded and fails when it failed. */
export async function oncePerRun(name: string, work: () => Promise<void>, timeoutMs = 180_000): Promise<void> {
  const outcome = runScoped(`.built-${name}`);
  await mkdir(RUN_OUTPUTS, { recursive: true });
  try {
    await mkdir(runScoped(`.building-${name}`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const done = await waitFor(`${name} done by another test file`, () => readFile(outcome, 'utf8').catch(() => undefined), timeoutMs);
    if (done !== 'ok') throw new Error(done);
    return;
  }
  try {
    await work();
  } catch (err) {
    await writeFile(outcome, `${name} failed: ${(err as Error).message}`);
    throw err;
  }
  await writeFile(outcome, 'ok');
}
