// A batch's options (the upload's parameters) as t_batch_action.ext_fields holds them: written once
// at upload, read back and checked once into a typed record, so nothing downstream casts JSON.
import { AssignmentMode, isAssignmentMode } from './modes';
import { FailureThreshold } from './failureThreshold';
import { BatchSchedule, storedBatchSchedule } from './batchSchedule';
import { DeviceAction, isDeviceAction } from '../devices/contract';

export interface BatchOptions {
  mode: AssignmentMode;
  /** The catalogue entry assigned (register: the pending one); null for exit. */
  catalogueWorkflowId: string | null;
  serviceTypeId: number | null;
  targetWorkspaceId: string;
  createMissing: boolean;
  /** Mode action: the state action applied to every device; null in the other modes. */
  stateAction: DeviceAction | null;
  /** Tenants whose catalogue may hold the workflow. */
  catalogueTenantIds: string[];
  /** Stop once failures exceed it; null: no threshold. */
  failureThreshold: FailureThreshold | null;
  /** When devices may start (startAt, withinWorkingHours); null: at once, at any hour. */
  schedule: BatchSchedule | null;
}

/** The ext_fields a batch's options are stored as (names from the sources: workflow_id / pending_workflow_id). */
export function batchOptionsToExtFields(options: BatchOptions, fileName: string | null): Record<string, unknown> {
  return {
    mode: options.mode,
    action_type: options.mode.toUpperCase(),
    ...(options.mode === 'register' ? { pending_workflow_id: options.catalogueWorkflowId } : { workflow_id: options.catalogueWorkflowId }),
    service_type_id: options.serviceTypeId,
    target_workspace_id: options.targetWorkspaceId,
    create_missing: options.createMissing,
    state_action: options.stateAction,
    catalogue_tenant_ids: options.catalogueTenantIds,
    failure_threshold: options.failureThreshold,
    schedule: options.schedule,
    file_name: fileName,
  };
}

/** Reads a batch's options back; a malformed column is an error naming the batch and the field. */
export function parseBatchOptions(batchId: string, ownerTenantId: string, ext: Record<string, unknown>): BatchOptions {
  const bad = (field: string): never => {
    throw new Error(`batch ${batchId}: ext_fields.${field} is malformed`);
  };
  const mode = isAssignmentMode(ext.mode) ? ext.mode : bad('mode');
  // A missing entry is no reason to refuse reading the batch: its devices would fail WORKFLOW_NOT_FOUND.
  const catalogueWorkflowId = optional(ext.workflow_id ?? ext.pending_workflow_id, 'string') ?? null;
  const serviceTypeId = optional(ext.service_type_id, 'number') ?? null;
  const targetWorkspaceId = optional(ext.target_workspace_id, 'string') ?? ownerTenantId;
  const catalogueTenantIds = ext.catalogue_tenant_ids ?? [ownerTenantId];
  if (!Array.isArray(catalogueTenantIds) || !catalogueTenantIds.every((t) => typeof t === 'string')) bad('catalogue_tenant_ids');
  const stateAction =
    ext.state_action === undefined || ext.state_action === null
      ? null
      : isDeviceAction(ext.state_action)
        ? ext.state_action
        : bad('state_action');
  const failureThreshold = parseThreshold(ext.failure_threshold);
  if (failureThreshold === undefined) bad('failure_threshold');
  const schedule = storedBatchSchedule(ext.schedule);
  if (schedule === undefined) bad('schedule');
  return {
    mode,
    catalogueWorkflowId,
    serviceTypeId,
    targetWorkspaceId,
    createMissing: ext.create_missing === true,
    stateAction,
    catalogueTenantIds: catalogueTenantIds as string[],
    failureThreshold: failureThreshold ?? null,
    schedule: schedule ?? null,
  };

  function optional<T extends 'string' | 'number'>(value: unknown, type: T): (T extends 'string' ? string : number) | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== type) bad(type === 'string' ? 'workflow_id / target_workspace_id' : 'service_type_id');
    return value as T extends 'string' ? string : number;
  }
}

/** null for "no threshold"; undefined when the stored value is not a threshold. */
function parseThreshold(value: unknown): FailureThreshold | null | undefined {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object') return undefined;
  const { maxFailures = null, maxFailurePercent = null } = value as Record<string, unknown>;
  const isLimit = (v: unknown) => v === null || (typeof v === 'number' && v >= 0);
  if (!isLimit(maxFailures) || !isLimit(maxFailurePercent)) return undefined;
  return { maxFailures: maxFailures as number | null, maxFailurePercent: maxFailurePercent as number | null };
}
