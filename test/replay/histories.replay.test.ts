// Replays every committed workflow history (test/replay/histories/*.json) against today's workflow
// code: a non-deterministic change (one not guarded by patched() or a new workflow type) fails here.
import { Worker } from '@temporalio/worker';
import { installTestRuntime } from '../sdkRuntime';
import { testWorkflowCode } from '../workflowBundle';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(__dirname, 'histories');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('replay of committed histories', () => {
  let code: string;
  beforeAll(async () => {
    installTestRuntime('WARN');
    // The product's workflows (beside the test-only ones, which no history names), bundled once for the run.
    code = await testWorkflowCode();
  });

  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s replays deterministically', async (file) => {
    const history = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    await expect(Worker.runReplayHistory({ workflowBundle: { code }, replayName: file }, history)).resolves.toBeUndefined();
  });
});
