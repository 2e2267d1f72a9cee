// The BatchAssign modes (SPEC §3; `action`: a state action on every device, SPEC §9) as data: which device states each mode accepts, and the
// batch statuses a batch goes through. Pure: used by the per-device activity, the API and tests.
import { DeviceState } from '../devices/contract';

export const AssignmentModes = ['assign', 'register', 'exit', 'action'] as const;
export type AssignmentMode = (typeof AssignmentModes)[number];

export function isAssignmentMode(value: unknown): value is AssignmentMode {
  return typeof value === 'string' && (AssignmentModes as readonly string[]).includes(value);
}

/** States from which a workflow can be assigned directly (SPEC §3, mode `assign`). */
export const directAssignStates: readonly number[] = [DeviceState.READY_FOR_USE, DeviceState.ACTIVE, DeviceState.LOCKED];

/** Modes that need a workflow from the catalogue. */
export function modeNeedsWorkflow(mode: AssignmentMode): boolean {
  return mode !== 'exit' && mode !== 'action';
}

/**
 * PREVIEW: stored and predicted, started only when asked (SPEC §9). FAILED: stopped early because failures exceeded
 * the upload's threshold. PAUSED: an operator paused it. SCHEDULED: waiting for its startAt;
 * WAITING_FOR_WORKING_HOURS: outside the target tenant's working hours.
 */
export const BatchStatuses = [
  'PREVIEW',
  'CREATED',
  'RUNNING',
  'PAUSED',
  'SCHEDULED',
  'WAITING_FOR_WORKING_HOURS',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
] as const;
export type BatchStatus = (typeof BatchStatuses)[number];
/** The statuses a batch that has a run can have: a preview has none. */
export type RunBatchStatus = Exclude<BatchStatus, 'PREVIEW'>;
/** How a run of BatchAssign ends. */
export type BatchEndStatus = Extract<BatchStatus, 'COMPLETED' | 'CANCELLED' | 'FAILED'>;
/** The statuses of a batch whose run has started and not ended: the run writes them as it pauses, waits and goes on. */
export const startedBatchStatuses = [
  'RUNNING',
  'PAUSED',
  'SCHEDULED',
  'WAITING_FOR_WORKING_HOURS',
] as const satisfies readonly BatchStatus[];
export type StartedBatchStatus = (typeof startedBatchStatuses)[number];
/**
 * A batch's status only moves forward within a run: CREATED → a started status (RUNNING, and back and
 * forth between it and PAUSED, SCHEDULED, WAITING_FOR_WORKING_HOURS) → one final status (CREATED →
 * CANCELLED for a batch cancelled before its run started). A final status is written only over one of
 * these; only a retry, the batch's next run, makes a finished batch CREATED again.
 */
export const unfinishedBatchStatuses = ['CREATED', ...startedBatchStatuses] as const satisfies readonly BatchStatus[];

export function isUnfinishedBatchStatus(status: string): status is (typeof unfinishedBatchStatuses)[number] {
  return (unfinishedBatchStatuses as readonly string[]).includes(status);
}

export const BatchRowStatuses = ['PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED'] as const;

/** Result codes decided at upload time: such rows can never succeed, so retry leaves them alone. */
export const uploadRejectionCodes = ['INVALID_DEVICE_UID', 'DUPLICATE_IN_FILE', 'INVALID_DEVICE_TYPE'] as const;

/** "61,204 / 100,000 — 60,990 ok, 214 failed": the parent's current details in the Web UI. */
export function describeProgress(p: { total: number; done: number; ok: number; failed: number }): string {
  const n = (v: number) => String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n(p.done)} / ${n(p.total)} — ${n(p.ok)} ok, ${n(p.failed)} failed`;
}
