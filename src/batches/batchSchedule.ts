// When a batch's devices may start (SPEC §9 "Bulk safety"): the upload's startAt (not before) and
// withinWorkingHours (only inside the target tenant's working hours, the calendar temp locks use).
// Pure: the API checks the parameters, the BatchAssign workflow gets the schedule in its input.

export interface BatchSchedule {
  /** ISO instant before which no device starts; null: at once. */
  startAt: string | null;
  withinWorkingHours: boolean;
}

/** How far in the past a startAt may lie (a clock a little behind, a request that took a while). */
const START_AT_PAST_TOLERANCE_MS = 60_000;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The upload's parameters as a schedule (null: none); a message naming the parameter when one is malformed. */
export function parseBatchSchedule(params: { startAt?: string; withinWorkingHours?: string }, now: number): BatchSchedule | null | string {
  const { startAt = '', withinWorkingHours } = params;
  if (withinWorkingHours !== undefined && !['true', 'false'].includes(withinWorkingHours))
    return 'withinWorkingHours must be true or false';
  const startAtMs = Date.parse(startAt);
  if (startAt !== '' && (!ISO_INSTANT.test(startAt) || Number.isNaN(startAtMs))) {
    return `startAt must be an ISO 8601 instant with its offset, e.g. 2026-12-07T06:00:00Z (got ${JSON.stringify(startAt.slice(0, 40))})`;
  }
  if (startAt !== '' && startAtMs < now - START_AT_PAST_TOLERANCE_MS) {
    return `startAt ${startAt} is more than a minute in the past; leave it out to start at once`;
  }
  if (startAt === '' && withinWorkingHours !== 'true') return null;
  return { startAt: startAt === '' ? null : new Date(startAtMs).toISOString(), withinWorkingHours: withinWorkingHours === 'true' };
}

/** A stored schedule read back; undefined when the stored value is not one. */
export function storedBatchSchedule(value: unknown): BatchSchedule | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') return undefined;
  const { startAt, withinWorkingHours } = value as Record<string, unknown>;
  if (!(startAt === null || (typeof startAt === 'string' && !Number.isNaN(Date.parse(startAt))))) return undefined;
  if (typeof withinWorkingHours !== 'boolean') return undefined;
  return { startAt, withinWorkingHours };
}
