// What a caller may read about an infrastructure failure (INTERNAL_ERROR): which part of the system
// kept failing and what to do, never the driver's or Temporal's own text (that stays in the logs).
// Pure, so the row writer, the API and the workflow can all use it.

const PARTS: { pattern: RegExp; part: string }[] = [
  { pattern: /mongo|ferret|workflow_versions|device_workflow_steps|device_actions/i, part: 'the workflow store (MongoDB)' },
  {
    pattern: /postgres|\bpg\b|relation |database|sql|t_device|t_batch|deadlock|connection terminated/i,
    part: 'the inventory database (PostgreSQL)',
  },
  { pattern: /gateway/i, part: 'the device-control gateway' },
  { pattern: /temporal|workflow ended|child workflow|activity|timed? ?out|heartbeat/i, part: 'the orchestration service (Temporal)' },
];

/** "retries ran out while <part> kept failing; ...": the INTERNAL_ERROR message a caller sees. */
export function internalErrorMessage(rawMessage: string | null | undefined): string {
  const part = PARTS.find((p) => p.pattern.test(rawMessage ?? ''))?.part ?? 'a backing service';
  return `retries ran out while ${part} kept failing; retry the batch's failed devices once it is back`;
}
