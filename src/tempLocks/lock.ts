// Temporary lock vocabulary (SPEC §5): statuses, milestones, limits, and what a device is told when it checks
// in. Pure: the API answers a check-in with `answerCheckIn` from the lock's stored state, and the TempLock
// workflow acts on that check-in with the same rules, so the answer and the lock agree.

export const TempLockStatuses = ['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED', 'CANCELLED', 'FAILED'] as const;
export type TempLockStatus = (typeof TempLockStatuses)[number];

/** A lock in one of these has ended: its workflow is over or about to be. */
export const FINAL_TEMP_LOCK_STATUSES: readonly TempLockStatus[] = ['DEACTIVATED', 'CANCELLED', 'FAILED'];

export type TempLockMilestone =
  'TEMP_LOCK_ASSIGNED' | 'TEMP_LOCK_ACTIVATED' | 'TEMP_LOCK_DEACTIVATED' | 'TEMP_LOCK_CANCELLED' | 'TEMP_LOCK_FAILED';

export type Directive = 'LOCK' | 'UNLOCK' | 'NONE';

export interface DirectiveAnswer {
  directive: Directive;
  /** Epoch ms at which a LOCK ends. */
  lockUntil: number | null;
}

/** What a check-in is answered from: the lock's last known state (its stored document, or the workflow's own). */
export interface LockAsSeen {
  status: TempLockStatus;
  durationMs: number;
  lockEndsAt: number | null;
}

/** One check-in of a device, stamped by the API. */
export interface CheckInTime {
  /** Epoch ms at which the API received the check-in. */
  checkedInAt: number;
  /**
   * When a lock activated by this check-in starts: `checkedInAt`, or for a working-hours lock the next working
   * instant at or after it. Computed by the API (time-zone maths stays out of workflow code).
   */
  lockStartsAt: number;
}

/**
 * The answer to a check-in. ACTIVATING: this check-in activates the lock, which ends `durationMs` after its
 * start. ACTIVATED: LOCK until the lock's end, UNLOCK from then on (the unlock command follows within its lead).
 * DEACTIVATING: UNLOCK. Before the lock command (WAITING), after the end, or without a lock: NONE.
 */
export function answerCheckIn(lock: LockAsSeen | null, checkIn: CheckInTime): DirectiveAnswer {
  if (!lock) return { directive: 'NONE', lockUntil: null };
  switch (lock.status) {
    case 'ACTIVATING':
      return { directive: 'LOCK', lockUntil: checkIn.lockStartsAt + lock.durationMs };
    case 'ACTIVATED':
      if (lock.lockEndsAt !== null && checkIn.checkedInAt < lock.lockEndsAt) return { directive: 'LOCK', lockUntil: lock.lockEndsAt };
      return { directive: 'UNLOCK', lockUntil: null };
    case 'DEACTIVATING':
      return { directive: 'UNLOCK', lockUntil: null };
    default:
      return { directive: 'NONE', lockUntil: null };
  }
}

/**
 * Whether the lock can act on a check-in given this answer: one answered LOCK while ACTIVATING activates it, one
 * answered UNLOCK confirms the unlock. Any other (LOCK before the lock's end, NONE) changes nothing, so the API
 * answers it from the stored lock alone and spares the lock's workflow a task. A stored lock lags its workflow,
 * never leads it, so this is never false for a check-in the workflow would have acted on.
 */
export function checkInActsOnLock(lock: LockAsSeen, answer: DirectiveAnswer): boolean {
  return (answer.directive === 'LOCK' && lock.status === 'ACTIVATING') || answer.directive === 'UNLOCK';
}

/** One year: a longer "temporary" lock is almost certainly a unit mistake. */
export const MAX_DURATION_MINUTES = 525_600;
/**
 * The longest unlock lead: how long the unlock activity may wait for its due time, holding an activity slot
 * of the worker meanwhile.
 */
export const MAX_UNLOCK_LEAD_MS = 10_000;
/** The operator's notification travels in the workflow's input and the lock command: JSON of at most this size. */
export const MAX_NOTIFICATION_BYTES = 16 * 1024;
/**
 * Check-ins one workflow run takes before it continues as new: each is a signal (one event, plus at most a
 * workflow task's three), so a run stays far below Temporal's 10,240-event warning whatever the device does.
 */
export const CHECK_INS_PER_RUN = 1000;
/** A check-in this soon after the last one that counted (or with a request id already seen) is the same check-in. */
export const REPEATED_CHECK_IN_WINDOW_MS = 1000;

/**
 * Timeouts of a gateway command activity, derived from the gateway client's own timeout. An attempt outlives the
 * HTTP request it makes (so a slow answer is awaited, not abandoned while the request still runs); so does its
 * heartbeat timeout: a worker cut off from Temporal has aborted its request by the time the server gives up on
 * the attempt, so a LOCK still in flight there can never overtake the UNLOCK that follows. (A cancel reaches a
 * live worker at its next heartbeat, every second, whatever the timeout.)
 */
export function gatewayCommandTimeouts(gatewayTimeoutMs: number): { startToCloseMs: number; heartbeatMs: number } {
  return { startToCloseMs: gatewayTimeoutMs + 5_000, heartbeatMs: gatewayTimeoutMs + 5_000 };
}

/** The failure type of a command the gateway refused for good: the lock ends FAILED with the gateway's reason. */
export const GATEWAY_REFUSED = 'GATEWAY_REFUSED';

/** Workflow id of a device's temp lock: one running per device, whatever its action id. */
export function tempLockWorkflowId(tenantId: string, deviceUid: string): string {
  return `temp-lock/${tenantId}/${deviceUid}`;
}

/** Idempotency key of a temp-lock row in t_device_history: a retried write finds the first one. */
export function tempLockHistoryKey(actionId: string, what: TempLockMilestone | 'LOCK' | 'UNLOCK'): string {
  return `temp-lock/${actionId}/${what}`;
}
