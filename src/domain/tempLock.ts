// Temporary lock vocabulary (SPEC §5): statuses, milestones, and what a device is told when it checks in.
// Pure: shared by the TempLock workflow, its activities and the API.

export const TempLockStatuses = ['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED', 'CANCELLED'] as const;
export type TempLockStatus = (typeof TempLockStatuses)[number];

export const TempLockMilestones = ['TEMP_LOCK_ASSIGNED', 'TEMP_LOCK_ACTIVATED', 'TEMP_LOCK_DEACTIVATED', 'TEMP_LOCK_CANCELLED'] as const;
export type TempLockMilestone = (typeof TempLockMilestones)[number];

export type Directive = 'LOCK' | 'UNLOCK' | 'NONE';

export interface DirectiveAnswer {
  directive: Directive;
  /** Epoch ms at which a LOCK ends; null while the lock's start is not settled yet. */
  lockUntil: number | null;
}

/** Where a running lock stands, as far as the device is concerned. */
export interface LockProgress {
  lockRequested: boolean;
  unlockRequested: boolean;
  lockEndsAt: number | null;
}

/**
 * The answer to a check-in: LOCK from the moment the lock command is (being) sent, UNLOCK from the moment
 * the unlock command is, NONE before the lock command (e.g. waiting for working hours) or with no lock at all.
 */
export function directiveFor(progress: LockProgress | null): DirectiveAnswer {
  if (!progress) return { directive: 'NONE', lockUntil: null };
  if (progress.unlockRequested) return { directive: 'UNLOCK', lockUntil: null };
  if (progress.lockRequested) return { directive: 'LOCK', lockUntil: progress.lockEndsAt };
  return { directive: 'NONE', lockUntil: null };
}

export const MINUTE_MS = 60_000;
/** One year: a longer "temporary" lock is almost certainly a unit mistake. */
export const MAX_DURATION_MINUTES = 525_600;
/**
 * The longest unlock lead (TempLockInput.unlockLeadMs): how long the unlock activity may wait for its due
 * time, holding an activity slot of the worker meanwhile.
 */
export const MAX_UNLOCK_LEAD_MS = 10_000;

/** Workflow id of a device's temp lock: one running per device, whatever its action id. */
export function tempLockWorkflowId(tenantId: string, deviceUid: string): string {
  return `temp-lock/${tenantId}/${deviceUid}`;
}

/** Idempotency key of a temp-lock row in t_device_history: a retried write finds the first one. */
export function tempLockHistoryKey(actionId: string, what: TempLockMilestone | 'LOCK' | 'UNLOCK'): string {
  return `temp-lock/${actionId}/${what}`;
}
