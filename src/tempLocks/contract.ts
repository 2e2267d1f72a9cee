// The temporary-locks capability's contract: the TempLock workflow's type, id, input, outcome and messages (the
// API starts, signals and queries it through these, never through the workflow's module), a lock's statuses
// and the settings' bounds. Pure and workflow-safe; the reads other capabilities call are in useCases.ts.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CheckInTime, Directive, DirectiveAnswer, TempLockStatus } from './lock';
import type { tempLock } from './tempLockWorkflow';

export { FINAL_TEMP_LOCK_STATUSES, MAX_UNLOCK_LEAD_MS, TempLockStatuses, type TempLockStatus } from './lock';

/** The TempLock workflow, by its type name (one execution per device: tempLockWorkflowId). */
export const TEMP_LOCK_WORKFLOW = 'tempLock';
export type TempLockWorkflow = typeof tempLock;

export interface TempLockInput {
  actionId: string;
  tenantId: string;
  deviceUid: string;
  deviceId: number;
  /** The device's service type: the gateway takes its commands in groups by tenant and service type. */
  serviceTypeId: number;
  /** The device's provision type, when the inventory records one: the gateway groups commands by it. */
  provisionType?: string;
  durationMinutes: number;
  /** The lock's length in ms: durationMinutes × one minute (shorter in tests and demos). */
  durationMs: number;
  workingHours: boolean;
  /** The operator's JSON for the device, at most MAX_NOTIFICATION_BYTES. */
  notification: unknown;
  requestedBy: string;
  /** How long DEACTIVATING waits for the device to check in after the unlock command. */
  deactivationWaitMs: number;
  /**
   * How much earlier than the lock's end the durable timer fires (at most a quarter of the lock). The unlock
   * command then waits in the worker for the end itself, so the server's timer queue, the workflow task and the
   * worker's backlog have this long to deliver it, and the device is never unlocked early.
   */
  unlockLeadMs: number;
  /** The gateway client's request timeout: the command activities' timeouts derive from it (gatewayCommandTimeouts). */
  gatewayTimeoutMs: number;
  /** Check-ins a run takes before it continues as new (default CHECK_INS_PER_RUN; tests lower it). */
  checkInsPerRun?: number;
}

/** The device's check-in, signalled by the API with its own clock's times and the answer it gave the device. */
export interface CheckIn extends CheckInTime {
  /** The request's id: a retried request carrying the same id counts once. */
  checkInId: string;
  /** The lock the API answered for and what it told the device: the lock acts on the check-in as the device was told. */
  answer: { actionId: string; directive: Directive };
}

export interface CancelRequest {
  reason: string;
  requestedBy: string;
  /** The lock the cancel is meant for: sent by workflow id, it may reach a later lock of the device, which ignores it. */
  actionId: string;
  /** An overriding assign: the lock ends once the gateway has taken its UNLOCK, without waiting for the device. */
  override?: boolean;
}

export interface TempLockView extends DirectiveAnswer {
  actionId: string;
  status: TempLockStatus;
  /** When the workflow acts next on its own (epoch ms): window opens, lock ends, unlock wait ends. */
  nextDueAt: number | null;
  checkedInAt: number | null;
  lockStartedAt: number | null;
  lockEndsAt: number | null;
  checkIns: number;
  cancelRequested: boolean;
}

export interface TempLockOutcome {
  actionId: string;
  status: 'DEACTIVATED' | 'CANCELLED' | 'FAILED';
  lockStartedAt: number | null;
  lockEndsAt: number | null;
  /** Why it was cancelled, or the gateway's reason for refusing it. */
  endReason: string | null;
}

/** The device's check-in: recorded by the server whether or not a worker is up. */
export const checkInSignal = defineSignal<[CheckIn]>('checkIn');
/** Ends the lock CANCELLED (unlocking first if it may have locked); sent by DELETE and by an overriding assign. */
export const cancelSignal = defineSignal<[CancelRequest]>('cancel');
/** The tenant's working hours were replaced: a lock waiting for working time asks its calendar again at once. */
export const workingHoursChangedSignal = defineSignal('workingHoursChanged');
export const tempLockQuery = defineQuery<TempLockView>('tempLock');
