// The upload's parameters (query and multipart fields before the file), checked before a byte of the file is
// read: mode, catalogue workflow (optional in register mode; active, of the caller's or the target workspace's catalogue), service type,
// target workspace, createMissing, failure threshold and schedule (startAt, withinWorkingHours).
import { BatchOptions } from './store';
import { isWorkflowVersionId } from '../catalogue/contract';
import { findActiveWorkflow } from '../catalogue/useCases';
import { AssignmentModes, isAssignmentMode, modeNeedsWorkflow } from './modes';
import { DeviceAction, DeviceActions, isDeviceAction, isServiceTypeId } from '../devices/contract';
import { parseFailureThreshold } from './failureThreshold';
import { parseBatchSchedule } from './batchSchedule';
import type { MongoStores } from '../platform/db/mongo';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

const uploadParameters = [
  'mode',
  'action',
  'workflowId',
  'serviceTypeId',
  'targetWorkspaceId',
  'createMissing',
  'maxFailures',
  'maxFailurePercent',
  'startAt',
  'withinWorkingHours',
];

export async function checkUploadOptions(
  { mongo }: { mongo: MongoStores },
  caller: Caller,
  params: Record<string, string | undefined>,
): Promise<BatchOptions> {
  const unknown = Object.keys(params).filter((name) => !uploadParameters.includes(name));
  if (unknown.length > 0) {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      `unknown upload parameter ${unknown.join(', ')}; expected ${uploadParameters.join(', ')}`,
    );
  }
  const mode = params.mode;
  if (!isAssignmentMode(mode)) throw new ProblemError(400, 'VALIDATION_FAILED', `mode must be one of ${AssignmentModes.join(', ')}`);
  const targetWorkspaceId = params.targetWorkspaceId || caller.tenantId;
  if (!caller.tenantTree.includes(targetWorkspaceId)) {
    throw new ProblemError(404, 'NOT_FOUND', `no workspace ${targetWorkspaceId} in your tenant tree`);
  }
  let serviceTypeId: number | null = null;
  if (params.serviceTypeId !== undefined && params.serviceTypeId !== '') {
    serviceTypeId = Number(params.serviceTypeId);
    if (!isServiceTypeId(serviceTypeId))
      throw new ProblemError(422, 'INVALID_SERVICE_TYPE', 'serviceTypeId must be 1 (SIM_CONTROL), 2 (PREPAID) or 3 (POSTPAID)');
  }
  const createMissing = params.createMissing === 'true';
  if (params.createMissing !== undefined && !['true', 'false'].includes(params.createMissing)) {
    throw new ProblemError(400, 'VALIDATION_FAILED', 'createMissing must be true or false');
  }
  if (createMissing && mode !== 'register') throw new ProblemError(400, 'VALIDATION_FAILED', 'createMissing applies only to mode register');
  const failureThreshold = parseFailureThreshold(params);
  if (typeof failureThreshold === 'string') throw new ProblemError(400, 'VALIDATION_FAILED', failureThreshold);
  const schedule = parseBatchSchedule(params, Date.now());
  if (typeof schedule === 'string') throw new ProblemError(400, 'VALIDATION_FAILED', schedule);
  const catalogueTenantIds = [...new Set([caller.tenantId, targetWorkspaceId])];
  let workflowId: string | null = null;
  const stateAction = checkStateAction(mode, params.action);
  // Register mode without a workflow is the inventory upload (seed 001): devices only become READY_FOR_USE.
  const registerOnly = mode === 'register' && !params.workflowId;
  if (registerOnly && createMissing && serviceTypeId === null) {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      'serviceTypeId is required to create missing devices in register mode without a workflowId',
    );
  }
  if (modeNeedsWorkflow(mode) && !registerOnly) {
    if (!params.workflowId) throw new ProblemError(400, 'VALIDATION_FAILED', `workflowId is required for mode ${mode}`);
    if (!isWorkflowVersionId(params.workflowId))
      throw new ProblemError(400, 'VALIDATION_FAILED', 'workflowId must be a 24-character hex id');
    const workflow = await findActiveWorkflow(mongo, params.workflowId, catalogueTenantIds);
    if (!workflow)
      throw new ProblemError(422, 'WORKFLOW_NOT_FOUND', `workflow ${params.workflowId} is not an active workflow of your catalogue`);
    if (serviceTypeId !== null && serviceTypeId !== workflow.serviceTypeId) {
      throw new ProblemError(
        422,
        'INVALID_SERVICE_TYPE',
        `serviceTypeId ${serviceTypeId} does not match workflow ${workflow.name} (service type ${workflow.serviceTypeId})`,
      );
    }
    workflowId = workflow.id;
  }
  return {
    mode,
    catalogueWorkflowId: workflowId,
    serviceTypeId,
    targetWorkspaceId,
    createMissing,
    stateAction,
    catalogueTenantIds,
    failureThreshold,
    schedule,
  };
}

/** Mode action needs one of the state machine's actions; the other modes take none. */
function checkStateAction(mode: string, action: string | undefined): DeviceAction | null {
  if (mode !== 'action') {
    if (action !== undefined) throw new ProblemError(400, 'VALIDATION_FAILED', 'action applies only to mode action');
    return null;
  }
  if (!isDeviceAction(action)) throw new ProblemError(400, 'VALIDATION_FAILED', `mode action needs action=${DeviceActions.join('|')}`);
  return action;
}
