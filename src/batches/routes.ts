// /v1/batches: CSV upload (202 + links), status with counters, per-device results (JSON pages and
// a CSV download), cancel and retry. Another tenant's batch is 404.
import { Request, Router } from 'express';
import { randomUUID } from 'node:crypto';
import { batchOptionsToExtFields } from './options';
import { createBatchWithRows } from './uploadStore';
import { BatchOptions, BatchRecord, batchResultsPage, findBatch, findBatchByIdempotencyKey } from './store';
import { isWorkflowVersionId } from '../catalogue/contract';
import { findActiveWorkflow } from '../catalogue/useCases';
import { AssignmentModes, isAssignmentMode } from './modes';
import { isServiceTypeId } from '../devices/contract';
import { parseFailureThreshold } from './failureThreshold';
import { batchWorkflowId } from './batchAssignWorkflow';
import type { ApiDeps } from '../platform/http/apiDeps';
import { Caller, callerOf, requireRole } from '../platform/http/auth';
import { createUploadSpool, receiveCsv, receiveCsvBody } from './upload';
import { cancelBatch, retryBatch } from './runControl';
import { batchStatus, currentRunOf, startBatchRun, uploadAnswer } from './runs';
import { idempotencyKeyOf, keyReused, requestHash } from '../platform/http/idempotency';
import { ProblemError } from '../platform/http/problem';
import { checkUploadRows, uploadRows } from './uploadRows';
import { streamResultsCsv } from './resultsCsv';

export function batchRoutes(deps: ApiDeps): Router {
  const router = Router();
  const limits = deps.config.upload;

  router.post('/batches', requireRole('operator'), async (req, res) => {
    const caller = callerOf(req);
    const idempotencyKey = idempotencyKeyOf(req);
    const batchId = randomUUID();
    const spool = await createUploadSpool();
    let stored: { batch: BatchRecord; created: boolean };
    let fingerprint: string;
    let receivedBytes = 0;
    try {
      const received = await receiveCsv(req, limits);
      const options = await batchOptions(deps, caller, { ...queryStrings(req), ...received.fields });
      const body = await receiveCsvBody({ source: received.stream, spool, limits, stop: deps.drain.graceOver });
      receivedBytes = body.bytes;
      // The same options and the same bytes are the same upload, whatever the file's name.
      fingerprint = requestHash({ options, contentSha256: body.contentSha256 });
      const earlier = idempotencyKey ? await findBatchByIdempotencyKey(deps.pool, caller.tenantId, idempotencyKey) : null;
      // The rows are read while they are COPYed; a file that may be refused for its row count, or
      // one answered from an earlier upload, is read once before, so no such refusal costs a COPY.
      if (earlier || body.lineEnds > limits.maxRows) await checkUploadRows(spool, body.lineEnds, limits);
      stored = earlier
        ? { batch: earlier, created: false }
        : await createBatchWithRows(
            deps.pool,
            {
              id: batchId,
              tenantId: caller.tenantId,
              createdBy: caller.userId,
              idempotencyKey,
              extFields: (rows) => ({
                ...batchOptionsToExtFields(options, received.fileName),
                total_devices: rows.total,
                rows,
                current_workflow_id: batchWorkflowId(batchId, 0),
                request_hash: fingerprint,
              }),
            },
            uploadRows(spool, body.lineEnds, limits),
          );
    } catch (err) {
      req.resume();
      throw err;
    } finally {
      await spool.discard();
    }
    if (!stored.created) return answerRepeat(stored.batch, idempotencyKey!, fingerprint);
    deps.metrics.uploadRows.inc(Number(stored.batch.extFields.total_devices ?? 0));
    deps.metrics.uploadBytes.inc(receivedBytes);
    await startBatchRun(deps, stored.batch, 0);
    res
      .status(202)
      .location(`/v1/batches/${batchId}`)
      .json(uploadAnswer(deps.config, stored.batch, 'RUNNING'));

    /** The batch the first request with this key stored: started if it was not, and answered again. */
    async function answerRepeat(earlier: BatchRecord, key: string, hash: string) {
      if (earlier.extFields.request_hash !== hash) {
        const file = (earlier.extFields.file_name as string | null | undefined) ?? 'a text/csv body';
        throw keyReused(key, { requestLine: `POST /v1/batches that stored batch ${earlier.id} from ${file}`, at: earlier.createdAt });
      }
      if (earlier.status === 'CREATED') await startBatchRun(deps, earlier, currentRunOf(earlier).attempt);
      const current = (await findBatch(deps.pool, earlier.id, [caller.tenantId]))!;
      res
        .status(200)
        .location(`/v1/batches/${earlier.id}`)
        .json(uploadAnswer(deps.config, current, current.status));
    }
  });

  router.get('/batches/:id', async (req, res) => {
    const batch = await batchOf(req);
    res.json(await batchStatus(deps, batch));
  });

  router.get('/batches/:id/devices', async (req, res) => {
    const batch = await batchOf(req);
    const status = optionalString(req.query.status, 'status');
    const code = optionalString(req.query.code, 'code');
    const after = cursorOf(req.query.cursor);
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100) || 100));
    const rows = await batchResultsPage(deps.pool, batch.id, { afterRowNumber: after, status, code }, limit + 1);
    const page = rows.slice(0, limit);
    const next = rows.length > limit ? String(page[page.length - 1]!.rowNumber) : null;
    res.json({
      batchId: batch.id,
      devices: page,
      nextCursor: next,
      links: { next: next ? `${deps.config.api.publicUrl}/v1/batches/${batch.id}/devices?${nextQuery(req, next)}` : null },
    });
  });

  router.get('/batches/:id/results.csv', async (req, res) => {
    const batch = await batchOf(req);
    await streamResultsCsv(deps.pool, batch.id, res);
  });

  router.post('/batches/:id/cancel', requireRole('operator'), async (req, res) => {
    const batch = await batchOf(req);
    const status = await cancelBatch(deps, batch);
    res.status(202).json({ batchId: batch.id, status, links: { self: `${deps.config.api.publicUrl}/v1/batches/${batch.id}` } });
  });

  router.post('/batches/:id/retry', requireRole('operator'), async (req, res) => {
    const retried = await retryBatch(deps, await batchOf(req));
    res.status(202).json({
      batchId: retried.batch.id,
      status: 'RUNNING',
      retry: retried.attempt,
      devices: retried.devices,
      workflowId: retried.workflowId,
      links: uploadAnswer(deps.config, retried.batch, 'RUNNING').links,
    });
  });

  async function batchOf(req: Request): Promise<BatchRecord> {
    const caller = callerOf(req);
    const batch = await findBatch(deps.pool, String(req.params.id), caller.tenantTree);
    if (!batch) throw new ProblemError(404, 'NOT_FOUND', `no batch ${req.params.id}`);
    return batch;
  }

  return router;
}

/** Checks the upload's parameters before a byte of the file is read. */
const uploadParameters = ['mode', 'workflowId', 'serviceTypeId', 'targetWorkspaceId', 'createMissing', 'maxFailures', 'maxFailurePercent'];

async function batchOptions(deps: ApiDeps, caller: Caller, params: Record<string, string | undefined>): Promise<BatchOptions> {
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
  const catalogueTenantIds = [...new Set([caller.tenantId, targetWorkspaceId])];
  let workflowId: string | null = null;
  if (mode !== 'exit') {
    if (!params.workflowId) throw new ProblemError(400, 'VALIDATION_FAILED', `workflowId is required for mode ${mode}`);
    if (!isWorkflowVersionId(params.workflowId))
      throw new ProblemError(400, 'VALIDATION_FAILED', 'workflowId must be a 24-character hex id');
    const workflow = await findActiveWorkflow(deps.mongo, params.workflowId, catalogueTenantIds);
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
  return { mode, catalogueWorkflowId: workflowId, serviceTypeId, targetWorkspaceId, createMissing, catalogueTenantIds, failureThreshold };
}

function queryStrings(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) if (typeof v === 'string') out[k] = v;
  return out;
}

function optionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new ProblemError(400, 'VALIDATION_FAILED', `${name} must be given once`);
  return value;
}

function cursorOf(value: unknown): number {
  if (value === undefined || value === '') return 0;
  if (typeof value !== 'string' || !/^\d{1,18}$/.test(value))
    throw new ProblemError(400, 'VALIDATION_FAILED', 'cursor must be a value from nextCursor');
  return Number(value);
}

function nextQuery(req: Request, cursor: string): string {
  const params = new URLSearchParams(queryStrings(req));
  params.set('cursor', cursor);
  return params.toString();
}
