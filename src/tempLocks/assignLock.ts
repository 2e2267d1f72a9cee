// PUT /v1/devices/:uid/temp-lock (SPEC §5): a temporary lock of a device with an active workflow, overriding
// the lock running on it. Checks the request, then starts the device's tempLock workflow once no other lock
// runs (the running one is asked to cancel and awaited).
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { findDeviceDocument } from '../devices/useCases';
import { findApplicableWorkingHours } from '../tenants/useCases';
import { MAX_DURATION_MINUTES, MAX_NOTIFICATION_BYTES, tempLockWorkflowId } from './lock';
import { ignoreNotFound, runningLockOf } from './runningLock';
import type { TargetDevice } from './targetDevice';
import { CancelRequest, TempLockInput, cancelSignal, TEMP_LOCK_WORKFLOW, type TempLockWorkflow } from './contract';
import type { AppConfig } from '../platform/config';
import type { MongoStores } from '../platform/db/mongo';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export interface AssignLockDeps {
  pool: Pool;
  mongo: MongoStores;
  temporal: Client;
  config: AppConfig;
}

export interface AssignRequest {
  durationMinutes: number;
  workingHours: boolean;
  notification: unknown;
}

/** The request's body as an AssignRequest, or a 422 naming every field that is wrong. */
export function parseAssignRequest(body: unknown): AssignRequest {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const errors: { field: string; message: string }[] = [];
  for (const field of Object.keys(input).filter((name) => !['durationMinutes', 'workingHours', 'notification'].includes(name))) {
    errors.push({ field, message: `unknown field ${field}; expected durationMinutes, workingHours, notification` });
  }
  const { durationMinutes, workingHours = false, notification = null } = input;
  if (
    typeof durationMinutes !== 'number' ||
    !Number.isInteger(durationMinutes) ||
    durationMinutes < 1 ||
    durationMinutes > MAX_DURATION_MINUTES
  ) {
    errors.push({
      field: 'durationMinutes',
      message: `durationMinutes must be a whole number of minutes from 1 to ${MAX_DURATION_MINUTES}, got ${JSON.stringify(durationMinutes) ?? 'nothing'}`,
    });
  }
  if (typeof workingHours !== 'boolean') errors.push({ field: 'workingHours', message: 'workingHours must be true or false' });
  // It travels in the workflow's input and the lock command: bounded well below Temporal's payload limit.
  const notificationBytes = Buffer.byteLength(JSON.stringify(notification) ?? 'null');
  if (notificationBytes > MAX_NOTIFICATION_BYTES) {
    errors.push({
      field: 'notification',
      message: `notification is ${notificationBytes} bytes of JSON; at most ${MAX_NOTIFICATION_BYTES} bytes (16 KB) are allowed`,
    });
  }
  if (errors.length > 0) throw new ProblemError(422, 'VALIDATION_FAILED', errors.map((e) => e.message).join('; '), { errors });
  return { durationMinutes: durationMinutes as number, workingHours: workingHours as boolean, notification };
}

/**
 * Assigns the lock and answers what was started (status WAITING) and which lock it overrode, if any. With an
 * Idempotency-Key the lock's action id comes from the key and the caller's scope: a repeat racing the first
 * request finds its own lock running and leaves it be.
 */
export async function assignTempLock(
  deps: AssignLockDeps,
  caller: Caller,
  device: TargetDevice,
  request: AssignRequest & { idempotencyKey: string | null },
) {
  const { pool, mongo, config } = deps;
  if (request.workingHours && !(await findApplicableWorkingHours(pool, device.tenantId))) {
    throw new ProblemError(422, 'VALIDATION_FAILED', `tenant ${device.tenantId} has no working-hours calendar`, {
      errors: [
        { field: 'workingHours', message: `set one with PUT /v1/tenants/${device.tenantId}/working-hours, or send workingHours: false` },
      ],
    });
  }
  const assignment = await findDeviceDocument(mongo, device.tenantId, device.uid);
  if (!assignment?.workflow_version_id) {
    throw new ProblemError(409, 'DEVICE_HAS_NO_WORKFLOW', `device ${device.uid} has no active workflow; a temp lock needs one`);
  }
  const workflowId = tempLockWorkflowId(device.tenantId, device.uid);
  const input: TempLockInput = {
    actionId: request.idempotencyKey ? keyedActionId(caller, device, request.idempotencyKey) : randomUUID(),
    tenantId: device.tenantId,
    deviceUid: device.uid,
    deviceId: device.id,
    serviceTypeId: device.serviceTypeId,
    ...(device.provisionType !== null ? { provisionType: device.provisionType } : {}),
    durationMinutes: request.durationMinutes,
    durationMs: request.durationMinutes * config.tempLock.minuteMs,
    workingHours: request.workingHours,
    notification: request.notification,
    requestedBy: caller.userId,
    deactivationWaitMs: config.tempLock.deactivationWaitMs,
    unlockLeadMs: config.tempLock.unlockLeadMs,
    gatewayTimeoutMs: config.gateway.timeoutMs,
  };
  const overridden = await startOverridingCurrentLock(deps, workflowId, input);
  return {
    actionId: input.actionId,
    workflowId,
    status: 'WAITING',
    durationMinutes: input.durationMinutes,
    workingHours: input.workingHours,
    overriddenActionId: overridden,
    links: { self: `/v1/devices/${encodeURIComponent(device.uid)}/temp-lock?tenantId=${encodeURIComponent(device.tenantId)}` },
  };
}

/**
 * Starts the device's lock; while another one runs, asks it to cancel (it unlocks and ends CANCELLED),
 * waits for it to end, and tries again. Temporal lets one run per workflow id exist at a time, so however
 * many assigns race, each start happens with no other lock running and exactly the last one stays running.
 */
async function startOverridingCurrentLock(
  { temporal, config }: AssignLockDeps,
  workflowId: string,
  input: TempLockInput,
): Promise<string | null> {
  const deadline = Date.now() + config.tempLock.overrideWaitMs;
  const tooLong = () =>
    new ProblemError(
      503,
      'SERVICE_UNAVAILABLE',
      `the device's current temp lock did not end within ${config.tempLock.overrideWaitMs} ms; try again`,
    );
  let overridden: string | null = null;
  for (;;) {
    try {
      await temporal.workflow.start<TempLockWorkflow>(TEMP_LOCK_WORKFLOW, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [input],
        memo: { actionId: input.actionId },
        // Locks of different tenants share the workers and the gateway's queues fairly (README, "Per-tenant fairness").
        priority: { fairnessKey: input.tenantId },
        staticSummary: `Temp lock ${input.deviceUid} for ${input.durationMinutes} min${input.workingHours ? ' (working hours)' : ''}`,
      });
      return overridden;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    if (Date.now() > deadline) throw tooLong();
    const running = await runningLockOf(temporal, workflowId);
    if (!running) continue;
    if (running.actionId === input.actionId) return overridden;
    overridden = running.actionId;
    if (running.actionId) {
      const request: CancelRequest = {
        reason: `overridden by action ${input.actionId}`,
        requestedBy: input.requestedBy,
        actionId: running.actionId,
        override: true,
      };
      // By workflow id, so a continue-as-new since the describe does not lose it; the action id keeps it from
      // cancelling a lock another assign started in between.
      await temporal.workflow.getHandle(workflowId).signal(cancelSignal, request).catch(ignoreNotFound);
    }
    // From the described run on, following its continue-as-new chain.
    const handle = temporal.workflow.getHandle(workflowId, running.runId);
    await temporal
      .withDeadline(deadline, () => handle.result())
      .catch((err) => {
        if (isDeadline(err)) throw tooLong();
        // Any other end (failed, terminated) also frees the workflow id.
      });
  }
}

function isDeadline(err: unknown): boolean {
  const e = err as { code?: number; message?: string };
  return e?.code === 4 || /deadline/i.test(String(e?.message ?? ''));
}

/** A UUID-shaped id of (caller's tenant, device, key): the same for every repeat of one keyed request. */
function keyedActionId(caller: Caller, device: TargetDevice, key: string): string {
  const hex = createHash('sha256')
    .update(JSON.stringify([caller.tenantId, device.tenantId, device.uid, key]))
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
