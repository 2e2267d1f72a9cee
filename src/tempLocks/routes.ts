// Temp-lock API (SPEC §5, §6): assign (overriding the running lock), read status and timeline, cancel, and the
// device's check-in: answered at once (LOCK until T, UNLOCK or NONE) from the lock's stored state by the rules
// the workflow follows (answerCheckIn), and, when the lock can act on it, a signal to the lock's workflow
// carrying the API's check-in time.
import { Request, Router } from 'express';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { findDeviceDocument } from '../devices/useCases';
import { findDeviceInTree } from '../devices/useCases';
import { findDeviceTempLock, findLatestTempLock, tempLockTimeline } from './store';
import { findApplicableWorkingHours, nextWorkingInstantFor } from '../tenants/useCases';
import { MAX_DURATION_MINUTES, MAX_NOTIFICATION_BYTES, answerCheckIn, checkInActsOnLock, tempLockWorkflowId } from './lock';
import { CancelRequest, CheckIn, TempLockInput, cancelSignal, checkInSignal, tempLock } from './tempLockWorkflow';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export function tempLockRoutes(deps: ApiDeps): Router {
  const router = Router();
  const { temporal, pool, mongo, config } = deps;

  router.put('/devices/:uid/temp-lock', requireRole('operator'), async (req, res) => {
    const caller = callerOf(req);
    const device = await findTargetDevice(req);
    const request = parseAssignRequest(req.body);
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
      actionId: randomUUID(),
      tenantId: device.tenantId,
      deviceUid: device.uid,
      deviceId: device.id,
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
    res.status(202).json({
      actionId: input.actionId,
      workflowId,
      status: 'WAITING',
      durationMinutes: input.durationMinutes,
      workingHours: input.workingHours,
      overriddenActionId: overridden,
      links: { self: `/v1/devices/${encodeURIComponent(device.uid)}/temp-lock?tenantId=${encodeURIComponent(device.tenantId)}` },
    });
  });

  // From the stored lock, written at each transition: no query to the workflow, so no wait for a worker.
  router.get('/devices/:uid/temp-lock', async (req, res) => {
    const device = await findTargetDevice(req);
    const workflowId = tempLockWorkflowId(device.tenantId, device.uid);
    const [doc, running] = await Promise.all([findLatestTempLock(pool, mongo, device.id), runningRunOf(deps, workflowId)]);
    if (running?.actionId && running.actionId !== doc?._id) {
      // Just assigned: its workflow runs and has not written its first transition yet.
      res.json({ ...NOT_YET_WRITTEN, actionId: running.actionId, workflowId });
      return;
    }
    if (!doc) throw new ProblemError(404, 'NOT_FOUND', `device ${device.uid} has never had a temp lock`);
    const history = await tempLockTimeline(mongo, doc._id);
    const now = Date.now();
    const lock = { status: doc.status, durationMs: doc.duration_ms, lockEndsAt: doc.lock_ends_at?.getTime() ?? null };
    res.json({
      actionId: doc._id,
      workflowId,
      running: running !== null,
      status: doc.status,
      directive: answerCheckIn(lock, { checkedInAt: now, lockStartsAt: now }).directive,
      durationMinutes: doc.duration,
      workingHours: doc.is_enabled_working_hour,
      notification: doc.notification ?? null,
      createdAt: iso(doc.created_at),
      checkedInAt: iso(doc.checked_in_at),
      lockStartedAt: iso(doc.lock_started_at),
      lockEndsAt: iso(doc.lock_ends_at),
      nextDueAt: iso(doc.next_process_time),
      cancelReason: doc.status === 'CANCELLED' ? doc.cancel_reason : null,
      failureReason: doc.status === 'FAILED' ? doc.cancel_reason : null,
      note: doc.note ?? null,
      history: history.map((h) => ({ seq: h.seq, status: h.status, at: h.at.toISOString(), detail: h.detail })),
    });
  });

  router.delete('/devices/:uid/temp-lock', requireRole('operator'), async (req, res) => {
    const caller = callerOf(req);
    const device = await findTargetDevice(req);
    const workflowId = tempLockWorkflowId(device.tenantId, device.uid);
    const running = await runningRunOf(deps, workflowId);
    if (!running?.actionId) throw new ProblemError(404, 'NOT_FOUND', `no temp lock is running for device ${device.uid}`);
    const request: CancelRequest = { reason: `cancelled by ${caller.userId}`, requestedBy: caller.userId, actionId: running.actionId };
    // By workflow id: the lock's current run, whatever continue-as-new happened since the describe; the action id
    // keeps it from cancelling a lock assigned in between.
    const delivered = await temporal.workflow
      .getHandle(workflowId)
      .signal(cancelSignal, request)
      .then(() => true, ignoreNotFound);
    if (delivered === false) throw new ProblemError(404, 'NOT_FOUND', `no temp lock is running for device ${device.uid}`);
    res.status(202).json({ actionId: running.actionId, workflowId, status: 'CANCELLING' });
  });

  // Never waits for a worker: the answer comes from the stored lock, and the signal is recorded by the server
  // whether or not a worker is up; the workflow acts on it (with these times) when it runs. A check-in the lock
  // cannot act on (LOCK before its end, NONE) is not signalled: a device checking in hourly for a year costs the
  // lock's workflow nothing, and the answer does not wait on the Temporal server.
  router.post('/devices/:uid/check-in', requireRole('device_gateway'), async (req, res) => {
    const answered = deps.metrics.checkIns.startTimer();
    const device = await findTargetDevice(req);
    const checkedInAt = Date.now();
    const lock = await findDeviceTempLock(pool, device.id);
    let lockStartsAt = checkedInAt;
    if (lock?.status === 'ACTIVATING' && lock.workingHours) {
      lockStartsAt = (await nextWorkingInstantFor(pool, device.tenantId, checkedInAt)) ?? checkedInAt;
    }
    const answer = answerCheckIn(lock, { checkedInAt, lockStartsAt });
    // An ended lock answers NONE, which never acts on it.
    if (lock && checkInActsOnLock(lock, answer)) {
      const checkIn: CheckIn = {
        checkInId: req.get('x-request-id') ?? randomUUID(),
        checkedInAt,
        lockStartsAt,
        answer: { actionId: lock.actionId, directive: answer.directive },
      };
      await temporal.workflow
        .getHandle(tempLockWorkflowId(device.tenantId, device.uid))
        .signal(checkInSignal, checkIn)
        .catch(ignoreNotFound);
    }
    answered({ directive: answer.directive });
    res.json({
      deviceUid: device.uid,
      checkedInAt: new Date(checkedInAt).toISOString(),
      directive: answer.directive,
      lockUntil: iso(answer.lockUntil),
      actionId: lock?.actionId ?? null,
      status: lock?.status ?? null,
    });
  });

  /**
   * The device the request names, under the tenant given by ?tenantId= (default: the caller's own), that
   * tenant's own first: the one device lookup of every device route (findDeviceInTree).
   */
  async function findTargetDevice(req: Request): Promise<{ id: number; uid: string; tenantId: string }> {
    const caller = callerOf(req);
    const tenantId = typeof req.query.tenantId === 'string' && req.query.tenantId !== '' ? req.query.tenantId : caller.tenantId;
    const uid = String(req.params.uid ?? '').trim();
    if (!caller.tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
    const device = await findDeviceInTree(pool, uid, tenantId, tenantId);
    if (!device) throw new ProblemError(404, 'DEVICE_NOT_FOUND', `no device ${uid} in tenant ${tenantId}`);
    return { id: device.id, uid: device.uid, tenantId: device.tenantId };
  }

  return router;
}

/** A lock whose workflow has not written its first transition yet, as GET shows it. */
const NOT_YET_WRITTEN = {
  running: true,
  status: 'WAITING',
  directive: 'NONE',
  durationMinutes: null,
  workingHours: null,
  notification: null,
  createdAt: null,
  checkedInAt: null,
  lockStartedAt: null,
  lockEndsAt: null,
  nextDueAt: null,
  cancelReason: null,
  failureReason: null,
  note: null,
  history: [],
} as const;

interface AssignRequest {
  durationMinutes: number;
  workingHours: boolean;
  notification: unknown;
}

function parseAssignRequest(body: unknown): AssignRequest {
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
 * Starts the device's lock; while another one runs, asks it to cancel (it unlocks and ends CANCELLED),
 * waits for it to end, and tries again. Temporal lets one run per workflow id exist at a time, so however
 * many assigns race, each start happens with no other lock running and exactly the last one stays running.
 */
async function startOverridingCurrentLock(deps: ApiDeps, workflowId: string, input: TempLockInput): Promise<string | null> {
  const { temporal, config } = deps;
  const deadline = Date.now() + config.tempLock.overrideWaitMs;
  let overridden: string | null = null;
  for (;;) {
    try {
      await temporal.workflow.start(tempLock, {
        taskQueue: config.temporal.taskQueue,
        workflowId,
        args: [input],
        memo: { actionId: input.actionId },
        staticSummary: `Temp lock ${input.deviceUid} for ${input.durationMinutes} min${input.workingHours ? ' (working hours)' : ''}`,
      });
      return overridden;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    if (Date.now() > deadline) {
      throw new ProblemError(
        503,
        'SERVICE_UNAVAILABLE',
        `the device's current temp lock did not end within ${config.tempLock.overrideWaitMs} ms; try again`,
      );
    }
    const running = await runningRunOf(deps, workflowId);
    if (!running) continue;
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
        if (isDeadline(err)) {
          throw new ProblemError(
            503,
            'SERVICE_UNAVAILABLE',
            `the device's current temp lock did not end within ${config.tempLock.overrideWaitMs} ms; try again`,
          );
        }
        // Any other end (failed, terminated) also frees the workflow id.
      });
  }
}

async function runningRunOf(deps: ApiDeps, workflowId: string): Promise<{ runId: string; actionId: string | null } | null> {
  try {
    const description = await deps.temporal.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') return null;
    const actionId = (description.memo as { actionId?: string } | undefined)?.actionId ?? null;
    return { runId: description.runId, actionId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

function isNoRunningLock(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const message = String((err as Error)?.message ?? '');
  return /already completed|not found/i.test(message);
}

function isDeadline(err: unknown): boolean {
  const e = err as { code?: number; message?: string };
  return e?.code === 4 || /deadline/i.test(String(e?.message ?? ''));
}

function ignoreNotFound(err: unknown): false {
  if (!isNoRunningLock(err)) throw err;
  return false;
}

function iso(value: Date | number | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
