// Jest's global teardown for the projects whose tests run workers: removes the run's workflow bundle.
import { removeTestWorkflowBundle } from './workflowBundle';

export default async function globalTeardown(): Promise<void> {
  await removeTestWorkflowBundle();
}
