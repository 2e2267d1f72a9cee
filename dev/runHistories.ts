// How long the runs of a workflow that continues as new grew: for the tests and benchmarks that check a batch's
// history stays bounded (Temporal's limit is 51,200 events a run). Walks from the newest run back to the first.
import type { Client } from '@temporalio/client';

/** The most events any run of `workflowId` has (every run, back to the first through continued-as-new links). */
export async function longestRunHistory(client: Client, workflowId: string): Promise<number> {
  let longest = 0;
  for (let runId: string | undefined = undefined, first = true; first || runId; first = false) {
    const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    longest = Math.max(longest, events?.length ?? 0);
    runId = events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return longest;
}
