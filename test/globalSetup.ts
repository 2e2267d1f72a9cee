// Jest's global setup for the projects whose tests run workers (workflows, replay; the integration project's setup calls
// it too): the run's id, and the workflows bundled once (test/workflowBundle.ts).
import { bundleTestWorkflowsOnce } from './workflowBundle';

/** The run's id: the first setup to ask names it. */
export function testRunId(): string {
  return (process.env.DO_TEST_RUN_ID ??= `${Date.now().toString(36)}_${process.pid}`);
}

export default async function globalSetup(): Promise<void> {
  testRunId();
  await bundleTestWorkflowsOnce();
}
