// The replay suite is only worth something if it fails on an unguarded change: a committed history
// replayed against a deliberately altered deviceAssign (test/replay/altered) is a determinism violation.
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { expectSdkWarnings, installTestRuntime } from '../sdkRuntime';
import { bundleWorkflows, testWorkflowCode } from '../workflowBundle';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const history = JSON.parse(readFileSync(join(__dirname, 'histories', 'deviceAssign.assign.json'), 'utf8'));

describe('replay catches a non-deterministic change', () => {
  beforeAll(() => installTestRuntime('WARN'));

  it('replays deviceAssign.assign.json against the product code', async () => {
    const code = await testWorkflowCode();
    await expect(Worker.runReplayHistory({ workflowBundle: { code } }, history)).resolves.toBeUndefined();
  });

  it('fails with DeterminismViolationError against a deviceAssign that waits on a timer first', async () => {
    const code = await bundleWorkflows(require.resolve('./altered/workflows'));
    // The core may warn of the workflow task it fails (TMPRL1100): what this test expects, so collected, not printed.
    // (Its log line reaches the logger some time after the replay's outcome, when at all: not counted.)
    expectSdkWarnings(
      (entry) => entry.message === 'Failing workflow task' && String(entry.meta?.failure).includes('[TMPRL1100] Nondeterminism error'),
    );
    await expect(Worker.runReplayHistory({ workflowBundle: { code } }, history)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
