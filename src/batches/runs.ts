// Starting a BatchAssign run from the API (upload and retry) and the batch's JSON representation.
import { Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Pool } from 'pg';
import { AppConfig } from '../platform/config';
import { BatchRecord, RowCounts, countRows, markBatchStarted } from './store';
import { BATCH_ASSIGN_WORKFLOW, type BatchAssignInput, type BatchAssignWorkflow, batchWorkflowId } from './contract';
import { BatchIdKey, BatchModeKey, TenantIdKey } from '../platform/temporal/searchAttributes';
import { ProblemError } from '../platform/http/problem';
import { temporalUiLink } from '../platform/temporal/uiLink';

/** How long an upload or retry waits for Temporal to take the start before answering 503. */

export interface BatchRunDeps {
  config: AppConfig;
  pool: Pool;
  temporal: Client;
}

/** Starts (or finds already started) the run `attempt` of a batch; a re-delivered start is harmless. */
export async function startBatchRun(deps: BatchRunDeps, batch: BatchRecord, attempt: number): Promise<string> {
  const runWorkflowId = batchWorkflowId(batch.id, attempt);
  const { options } = batch;
  const input: BatchAssignInput = {
    batchId: batch.id,
    tenantId: batch.tenantId,
    attempt,
    request: {
      targetWorkspaceId: options.targetWorkspaceId,
      mode: options.mode,
      catalogueWorkflowId: options.catalogueWorkflowId,
      catalogueTenantIds: options.catalogueTenantIds,
      serviceTypeId: options.serviceTypeId,
      createMissing: options.createMissing,
      stateAction: options.stateAction,
      requestedBy: batch.createdBy,
      source: 'BATCH',
    },
    windowSize: deps.config.batch.windowSize,
    pageSize: deps.config.batch.pageSize,
    childrenPerRun: deps.config.batch.childrenPerRun,
    failureThreshold: options.failureThreshold,
    schedule: options.schedule,
  };
  try {
    await deps.temporal.withDeadline(Date.now() + deps.config.temporal.requestDeadlineMs, () =>
      deps.temporal.workflow.start<BatchAssignWorkflow>(BATCH_ASSIGN_WORKFLOW, {
        taskQueue: deps.config.temporal.taskQueue,
        workflowId: runWorkflowId,
        // A run that has ended is never started again: a late or repeated start of it is a no-op.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
        // Batches of different tenants share the workers fairly (README, "Per-tenant fairness").
        priority: { fairnessKey: batch.tenantId },
        typedSearchAttributes: [
          { key: BatchIdKey, value: batch.id },
          { key: TenantIdKey, value: batch.tenantId },
          { key: BatchModeKey, value: options.mode },
        ],
        staticSummary: `BatchAssign ${options.mode}${options.stateAction ? ` ${options.stateAction}` : ''}${attempt ? ` (retry ${attempt})` : ''}: ${(batch.extFields.rows as { accepted?: number } | undefined)?.accepted ?? '?'} devices`,
        staticDetails: `batch ${batch.id} of tenant ${batch.tenantId}; catalogue workflow ${options.catalogueWorkflowId ?? '-'}; target ${options.targetWorkspaceId}`,
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      throw new ProblemError(
        503,
        'SERVICE_UNAVAILABLE',
        `batch ${batch.id} is stored but could not be started yet (the workflow service did not answer); it starts by itself once the service is back: follow links.self`,
        { batchId: batch.id, links: { self: `${deps.config.api.publicUrl}/v1/batches/${batch.id}` } },
        err,
      );
    }
  }
  await markBatchStarted(deps.pool, batch.id, attempt);
  return runWorkflowId;
}

/** The batch's current run: its attempt (0, then one per retry) and Temporal workflow id. */
export function currentRunOf(batch: BatchRecord): { attempt: number; workflowId: string } {
  const attempt = (batch.extFields.retries as number | undefined) ?? 0;
  return { attempt, workflowId: batchWorkflowId(batch.id, attempt) };
}

function batchLinks(config: AppConfig, batch: BatchRecord) {
  const self = `${config.api.publicUrl}/v1/batches/${batch.id}`;
  const { workflowId } = currentRunOf(batch);
  return { self, devices: `${self}/devices`, results: `${self}/results.csv`, temporalUi: temporalUiLink(config, workflowId) };
}

/** The upload's answer: the same body for a repeated Idempotency-Key. */
export function uploadAnswer(config: AppConfig, batch: BatchRecord, status: string) {
  return { batchId: batch.id, status, mode: batch.options.mode, rows: batch.extFields.rows, links: batchLinks(config, batch) };
}

/** One entry of GET /v1/batches: what the batch is and where it stands, without counting its rows. */
export function batchSummary(config: AppConfig, batch: BatchRecord) {
  return {
    batchId: batch.id,
    tenantId: batch.tenantId,
    createdBy: batch.createdBy,
    status: batch.status,
    nextStartAt: nextStartOf(batch),
    isSuccess: batch.isSuccess,
    mode: batch.options.mode,
    workflowId: batch.options.catalogueWorkflowId,
    targetWorkspaceId: batch.options.targetWorkspaceId,
    fileName: (batch.extFields.file_name as string | null | undefined) ?? null,
    retries: (batch.extFields.retries as number | undefined) ?? 0,
    rows: batch.extFields.rows ?? null,
    createdAt: batch.createdAt,
    startedAt: batch.startedAt,
    finishedAt: batch.finishedAt,
    links: batchLinks(config, batch),
  };
}

/** GET /v1/batches/:id: status, counters by code, timings and rate. */
export async function batchStatus(deps: BatchRunDeps, batch: BatchRecord) {
  const finished = batch.finishedAt !== null && batch.status !== 'RUNNING';
  const counts: RowCounts =
    finished && (batch.counters as Partial<RowCounts>).byCode
      ? (batch.counters as unknown as RowCounts)
      : await countRows(deps.pool, batch.id);
  const done = counts.total - (counts.byStatus.PENDING ?? 0);
  const end = batch.finishedAt ?? new Date();
  const elapsedSeconds = batch.startedAt ? Math.max(0, (end.getTime() - batch.startedAt.getTime()) / 1000) : 0;
  return {
    batchId: batch.id,
    tenantId: batch.tenantId,
    createdBy: batch.createdBy,
    status: batch.status,
    nextStartAt: nextStartOf(batch),
    isSuccess: batch.isSuccess,
    mode: batch.options.mode,
    action: batch.options.stateAction,
    ...uploadedBy(batch),
    workflowId: batch.options.catalogueWorkflowId,
    targetWorkspaceId: batch.options.targetWorkspaceId,
    fileName: (batch.extFields.file_name as string | null | undefined) ?? null,
    retries: (batch.extFields.retries as number | undefined) ?? 0,
    failureThreshold: batch.options.failureThreshold,
    schedule: batch.options.schedule,
    stopReason: batch.stopReason,
    preview: (batch.extFields.preview as Record<string, unknown> | undefined) ?? null,
    rows: batch.extFields.rows,
    progress: { total: counts.total, done, pending: counts.byStatus.PENDING ?? 0 },
    countersByStatus: counts.byStatus,
    countersByCode: counts.byCode,
    timings: {
      createdAt: batch.createdAt,
      startedAt: batch.startedAt,
      finishedAt: batch.finishedAt,
      elapsedSeconds: Math.round(elapsedSeconds * 10) / 10,
      devicesPerSecond: elapsedSeconds > 0 ? Math.round((done / elapsedSeconds) * 10) / 10 : null,
    },
    links: batchLinks(deps.config, batch),
  };
}

/** While the batch waits for its start or for working hours: when it next starts devices. */
function nextStartOf(batch: BatchRecord): string | null {
  const waiting = batch.status === 'SCHEDULED' || batch.status === 'WAITING_FOR_WORKING_HOURS';
  return waiting ? ((batch.extFields.next_start_at as string | null | undefined) ?? null) : null;
}

/** Who uploaded the batch and through what (SPEC §9); batches stored before that was kept name only their key. */
function uploadedBy(batch: BatchRecord): { actor: { type: 'api_key'; name: string; role?: string }; channel: 'API' | 'PORTAL' } {
  const { uploaded_by: actor, channel } = batch.extFields as { uploaded_by?: { name: string; role: string }; channel?: 'API' | 'PORTAL' };
  return {
    actor: { type: 'api_key', name: actor?.name ?? batch.createdBy, ...(actor ? { role: actor.role } : {}) },
    channel: channel ?? 'API',
  };
}
