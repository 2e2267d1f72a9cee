// Preview before start (SPEC §9, bulk safety): an upload with preview=true is stored as a PREVIEW batch and answered
// with each row's predicted outcome (the per-device rules run against the inventory as it stands, a page of rows at a
// time); nothing runs until POST /v1/batches/{id}/start releases it, DELETE discards it, or it expires.
import type { Pool } from 'pg';
import type { AppConfig } from '../platform/config';
import type { MongoStores } from '../platform/db/mongo';
import { ProblemError } from '../platform/http/problem';
import { createOutcomePredictor } from '../devices/useCases';
import { BatchRecord, findBatch } from './store';
import { discardPreview, previewRowsPage, releasePreview, savePrediction } from './previewStore';
import { BatchRunDeps, startBatchRun, uploadAnswer } from './runs';

/** Rows predicted per page: one device query and one document query each. */
const PREVIEW_PAGE_ROWS = 1000;
/** The first rows shown for each predicted code. */
const SAMPLES_PER_CODE = 5;

interface PredictedRow {
  rowNumber: number;
  deviceUid: string;
  message: string;
}

interface BatchPrediction {
  /** Rows by the result code they would end with (OK for those that would succeed). */
  predicted: Record<string, number>;
  /** For each code, its first rows in file order, with why. */
  samples: Record<string, PredictedRow[]>;
  predictedAt: string;
}

/** The preview=true upload parameter ("true" or "false"), taken out of the options the upload checks. */
export function takePreviewFlag(params: Record<string, string>): { preview: boolean; params: Record<string, string> } {
  const { preview, ...rest } = params;
  if (preview !== undefined && preview !== 'true' && preview !== 'false') {
    throw new ProblemError(400, 'VALIDATION_FAILED', 'preview must be true or false');
  }
  return { preview: preview === 'true', params: rest };
}

/** Predicts every row of a stored batch, a page at a time, and keeps the prediction with it. */
export async function predictBatch(deps: { pool: Pool; mongo: MongoStores }, batch: BatchRecord): Promise<BatchRecord> {
  const { options } = batch;
  const predict = await createOutcomePredictor(deps, {
    rules: options,
    callerTenantId: batch.tenantId,
    catalogueTenantIds: options.catalogueTenantIds,
  });
  const prediction: BatchPrediction = { predicted: {}, samples: {}, predictedAt: new Date().toISOString() };
  const count = (rowNumber: number, deviceUid: string, outcome: { code: string; message: string }) => {
    prediction.predicted[outcome.code] = (prediction.predicted[outcome.code] ?? 0) + 1;
    const samples = (prediction.samples[outcome.code] ??= []);
    if (samples.length < SAMPLES_PER_CODE) samples.push({ rowNumber, deviceUid, message: outcome.message });
  };
  const total = (batch.extFields.rows as { total: number }).total;
  for (let after = 0; after < total; after += PREVIEW_PAGE_ROWS) {
    const page = await previewRowsPage(deps.pool, batch.id, after, PREVIEW_PAGE_ROWS);
    const outcomes = await predict(page.filter((row) => !row.refusal).map((row) => row.uid));
    for (const row of page) count(row.rowNumber, row.uid, row.refusal ?? outcomes.get(row.uid)!);
  }
  return savePrediction(deps.pool, batch.id, { ...prediction });
}

/** The answer to a preview upload (201), and to a repeat of it with the same Idempotency-Key (200). */
export function previewAnswer(config: AppConfig, batch: BatchRecord) {
  const prediction = batch.extFields.preview as BatchPrediction | undefined;
  return {
    ...uploadAnswer(config, batch, batch.status),
    targetWorkspaceId: batch.options.targetWorkspaceId,
    failureThreshold: batch.options.failureThreshold,
    schedule: batch.options.schedule,
    predicted: prediction?.predicted ?? {},
    samples: prediction?.samples ?? {},
    predictedAt: prediction?.predictedAt ?? null,
  };
}

/**
 * Starts a previewed batch as an upload would have: PREVIEW becomes CREATED, then its run starts. Starting it again
 * answers where it stands (and starts a run an unreachable Temporal missed); a batch not uploaded as a preview is 409.
 */
export async function startPreviewedBatch(deps: BatchRunDeps, batch: BatchRecord) {
  if (batch.extFields.previewed !== true) {
    throw new ProblemError(
      409,
      'CONFLICT',
      `batch ${batch.id} was not uploaded as a preview (preview=true); it started when it was uploaded`,
    );
  }
  const released = batch.status === 'PREVIEW' ? await releasePreview(deps.pool, batch.id) : null;
  const current = released ?? (await findBatch(deps.pool, batch.id, [batch.tenantId]));
  if (!current) throw new ProblemError(404, 'NOT_FOUND', `no batch ${batch.id}`);
  if (current.status === 'CREATED') await startBatchRun(deps, current, 0);
  const started = (await findBatch(deps.pool, batch.id, [batch.tenantId])) ?? current;
  return uploadAnswer(deps.config, started, started.status);
}

/** Discards a preview and its rows; a batch that is not (or no longer) a preview is 409. */
export async function discardPreviewedBatch(pool: Pool, batch: BatchRecord): Promise<void> {
  const notPreview = () =>
    new ProblemError(
      409,
      'CONFLICT',
      `batch ${batch.id} is not a preview (it is ${batch.status === 'PREVIEW' ? 'starting' : batch.status}); only a preview can be discarded: cancel a running batch instead`,
    );
  if (batch.status !== 'PREVIEW') throw notPreview();
  if (!(await discardPreview(pool, batch.id))) throw notPreview();
}
