// /v1/devices/:uid: state, allowed next actions and workflow assignment; the timeline; and
// single-device assign (POST) / exit (DELETE) through the same deviceAssign workflow as batches.
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Request, Router } from 'express';
import { randomUUID } from 'node:crypto';
import { findDeviceDocument } from './documentStore';
import { deviceTimeline } from './lifecycleStore';
import { DeviceRecord, findDeviceInTree } from './store';
import { findCurrentTempLock } from '../tempLocks/useCases';
import { isWorkflowVersionId } from '../catalogue/contract';
import { allowedActions, describeState } from './lifecycle';
import { checkDeviceUid } from './uid';
import { DeviceResultCode } from '../platform/errorCodes';
import { DeviceAssignInput, DeviceAssignmentResult, deviceAssign } from './deviceAssignWorkflow';
import { DeviceUidKey, TenantIdKey } from '../platform/temporal/searchAttributes';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { temporalUiLink } from '../platform/temporal/uiLink';
import { answerOnce, idempotencyKeyOf } from '../platform/http/idempotency';
import { ProblemError } from '../platform/http/problem';
import { queryOf } from '../platform/http/queryParameters';

const statusOfResult: Partial<Record<DeviceResultCode, number>> = {
  OK: 200,
  DEVICE_NOT_FOUND: 404,
  DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW: 404,
  WORKFLOW_NOT_FOUND: 422,
  INVALID_SERVICE_TYPE: 422,
  WRONG_STATE_DEVICE: 409,
  DEVICE_ALREADY_HAS_WORKFLOW: 409,
  DEVICE_HAS_NO_WORKFLOW: 409,
  REGISTER_FAILED: 409,
};

export function deviceRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/devices/:uid', async (req, res) => {
    const device = await deviceOf(req);
    const [doc, tempLock] = await Promise.all([
      findDeviceDocument(deps.mongo, device.tenantId, device.uid),
      findCurrentTempLock(deps.pool, device.id),
    ]);
    res.json({
      uid: device.uid,
      imei2: device.imei2,
      tenantId: device.tenantId,
      state: describeState(device.stateId),
      stateId: device.stateId,
      previousState: device.previousStateId === null ? null : describeState(device.previousStateId),
      serviceTypeId: device.serviceTypeId,
      deviceType: device.deviceType,
      allowedActions: allowedActions(device.stateId),
      assignment: doc?.workflow_version_id
        ? {
            workflowId: doc.workflow_version_id,
            workflowName: doc.workflow?.workflowName ?? null,
            assignedAt: doc.workflow?.assignedAt ?? null,
            assignedBy: doc.workflow?.assignedBy ?? null,
            isActivatingWorkflow: doc.is_activating_workflow,
          }
        : null,
      tempLock: tempLock
        ? {
            actionId: tempLock.actionId,
            status: tempLock.status,
            directive: tempLock.directive,
            lockEndsAt: tempLock.lockEndsAt?.toISOString() ?? null,
            links: {
              self: `${deps.config.api.publicUrl}/v1/devices/${encodeURIComponent(device.uid)}/temp-lock?tenantId=${encodeURIComponent(device.tenantId)}`,
            },
          }
        : null,
      createdAt: device.createdAt,
      updatedAt: device.updatedAt,
    });
  });

  router.get('/devices/:uid/history', async (req, res) => {
    const device = await deviceOf(req);
    const entries = await deviceTimeline(deps.pool, device.id, 1000);
    const first = entries[0]?.at.getTime() ?? 0;
    let previous = first;
    res.json({
      uid: device.uid,
      timeline: entries.map((e) => {
        const at = e.at.getTime();
        const entry = {
          milestone: e.milestone,
          fromState: e.fromStateId === null ? null : describeState(e.fromStateId),
          toState: e.toStateId === null ? null : describeState(e.toStateId),
          source: e.source,
          batchId: e.batchId,
          details: e.details,
          at: e.at,
          elapsedSincePreviousMs: at - previous,
          elapsedSinceFirstMs: at - first,
        };
        previous = at;
        return entry;
      }),
    });
  });

  router.post('/devices/:uid/workflow', requireRole('operator'), async (req, res) => {
    const body = (req.body ?? {}) as { workflowId?: unknown; mode?: unknown };
    const mode = body.mode === undefined ? 'assign' : body.mode;
    if (mode !== 'assign' && mode !== 'register') throw new ProblemError(400, 'VALIDATION_FAILED', 'mode must be assign or register');
    if (!isWorkflowVersionId(body.workflowId)) throw new ProblemError(400, 'VALIDATION_FAILED', 'workflowId must be a 24-character hex id');
    await runSingleDevice(req, res, mode, body.workflowId);
  });

  router.delete('/devices/:uid/workflow', requireRole('operator'), async (req, res) => {
    await runSingleDevice(req, res, 'exit', null);
  });

  async function runSingleDevice(
    req: Request,
    res: import('express').Response,
    mode: 'assign' | 'register' | 'exit',
    workflowVersionId: string | null,
  ) {
    const caller = callerOf(req);
    const device = await deviceOf(req);
    const endpoint = `${mode === 'exit' ? 'DELETE' : 'POST'} /v1/devices/{uid}/workflow`;
    const scope = { tenantId: caller.tenantId, endpoint, target: `${device.tenantId}/${device.uid}` };
    // One run per (device, endpoint, key): the same key on another device or endpoint is another run.
    const runKey = `${device.tenantId}/${device.uid}/${mode === 'exit' ? 'exit' : 'assign'}/${idempotencyKeyOf(req) ?? randomUUID()}`;
    await answerOnce(deps.pool, req, res, scope, { mode, workflowVersionId }, async () => {
      const workflowId = `device-workflow/${runKey}`;
      const result = await runDeviceWorkflow(workflowId, {
        tenantId: device.tenantId,
        deviceUid: device.uid,
        mode,
        catalogueWorkflowId: workflowVersionId,
        callerTenantId: caller.tenantId,
        catalogueTenantIds: [...new Set([caller.tenantId, device.tenantId])],
        serviceTypeId: null,
        createMissing: false,
        requestedBy: caller.userId,
        source: 'API',
        batch: null,
        requestKey: runKey,
      });
      if (result.code === 'INTERNAL_ERROR') {
        throw new ProblemError(
          503,
          'SERVICE_UNAVAILABLE',
          `device ${device.uid} could not be processed: a backing service kept failing until retries ran out; send the request again later`,
          { deviceUid: device.uid },
          result.message,
        );
      }
      const status = statusOfResult[result.code] ?? 500;
      if (status !== 200) {
        throw new ProblemError(status, result.code, result.message, {
          deviceUid: device.uid,
          temporalUi: temporalUiLink(deps.config, workflowId),
        });
      }
      return {
        status: 200,
        body: {
          deviceUid: device.uid,
          mode,
          code: result.code,
          message: result.message,
          links: { temporalUi: temporalUiLink(deps.config, workflowId) },
        },
      };
    });
  }

  /** Runs the per-device workflow, or waits for the run this workflow id already has (started or ended). */
  async function runDeviceWorkflow(workflowId: string, input: DeviceAssignInput): Promise<DeviceAssignmentResult> {
    try {
      return await deps.temporal.workflow.execute(deviceAssign, {
        taskQueue: deps.config.temporal.taskQueue,
        workflowId,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
        typedSearchAttributes: [
          { key: TenantIdKey, value: input.tenantId },
          { key: DeviceUidKey, value: input.deviceUid },
        ],
        staticSummary: `${input.mode} ${input.deviceUid}${input.catalogueWorkflowId ? ` → ${input.catalogueWorkflowId}` : ''}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return deps.temporal.workflow.getHandle(workflowId).result();
    }
  }

  /**
   * The device with this UID under the workspace named by ?tenantId, or anywhere in the caller's tenant
   * tree (the named or the caller's own tenant first): the one device lookup (findDeviceInTree). Another
   * tenant's device is 404 like a missing one.
   */
  async function deviceOf(req: Request): Promise<DeviceRecord> {
    const caller = callerOf(req);
    const check = checkDeviceUid(String(req.params.uid));
    if (!check.ok) throw new ProblemError(400, 'INVALID_DEVICE_UID', check.reason);
    const { tenantId } = queryOf(req);
    if (tenantId !== undefined && !caller.tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
    const root = tenantId ?? caller.tenantId;
    const device = await findDeviceInTree(deps.pool, check.uid, root, root);
    if (!device)
      throw new ProblemError(404, 'DEVICE_NOT_FOUND', `no device ${check.uid}${tenantId === undefined ? '' : ` under tenant ${tenantId}`}`);
    return device;
  }

  return router;
}
