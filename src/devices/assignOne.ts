// POST /v1/devices/:uid/workflow (assign or register) and DELETE (exit) for one device: the same deviceAssign
// workflow a batch runs for each of its devices, run to its end, its result code answered as an HTTP status.
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { DeviceRecord } from './store';
import { DEVICE_ASSIGN_WORKFLOW, type DeviceAssignInput, type DeviceAssignWorkflow } from './contract';
import type { DeviceAssignmentResult } from './deviceAssignActivities';
import type { AppConfig } from '../platform/config';
import { DeviceResultCode } from '../platform/errorCodes';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';
import { DeviceUidKey, TenantIdKey } from '../platform/temporal/searchAttributes';
import { temporalUiLink } from '../platform/temporal/uiLink';

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

export interface AssignOneDeps {
  temporal: Client;
  config: AppConfig;
}

export interface AssignOneRequest {
  mode: 'assign' | 'register' | 'exit';
  /** The catalogue workflow to assign; null for exit. */
  workflowVersionId: string | null;
  /** The request's Idempotency-Key: the same key runs the same workflow (its result is answered again). */
  idempotencyKey: string | null;
}

/** Runs the device's workflow and answers its result (200), or throws its refusal as a problem. */
export async function assignOne(deps: AssignOneDeps, caller: Caller, device: DeviceRecord, request: AssignOneRequest) {
  const { mode, workflowVersionId } = request;
  // One run per (device, endpoint, key): the same key on another device or endpoint is another run.
  const runKey = `${device.tenantId}/${device.uid}/${mode === 'exit' ? 'exit' : 'assign'}/${request.idempotencyKey ?? randomUUID()}`;
  const workflowId = `device-workflow/${runKey}`;
  const result = await runDeviceWorkflow(deps, workflowId, {
    targetWorkspaceId: device.tenantId,
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
    deviceUid: device.uid,
    mode,
    code: result.code,
    message: result.message,
    links: { temporalUi: temporalUiLink(deps.config, workflowId) },
  };
}

/** Runs the per-device workflow, or waits for the run this workflow id already has (started or ended). */
async function runDeviceWorkflow(
  { temporal, config }: AssignOneDeps,
  workflowId: string,
  input: DeviceAssignInput,
): Promise<DeviceAssignmentResult> {
  try {
    return await temporal.workflow.execute<DeviceAssignWorkflow>(DEVICE_ASSIGN_WORKFLOW, {
      taskQueue: config.temporal.taskQueue,
      workflowId,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
      typedSearchAttributes: [
        { key: TenantIdKey, value: input.targetWorkspaceId },
        { key: DeviceUidKey, value: input.deviceUid },
      ],
      staticSummary: `${input.mode} ${input.deviceUid}${input.catalogueWorkflowId ? ` → ${input.catalogueWorkflowId}` : ''}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return temporal.workflow.getHandle(workflowId).result();
  }
}
