// POST /v1/batches (SPEC §3): a CSV upload becomes a stored batch (options checked first, the file spooled, its
// rows COPYed) and its first run is started; with preview=true it is stored as a PREVIEW, predicted and not started
// (previewUseCases). With an Idempotency-Key, a repeat of the same upload (the same
// options and bytes) answers the batch the first one stored, starting it if it was not.
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { batchOptionsToExtFields } from './options';
import { createBatchWithRows } from './uploadStore';
import { BatchRecord, findBatch, findBatchByIdempotencyKey } from './store';
import { batchWorkflowId } from './contract';
import { createUploadSpool, receiveCsv, receiveCsvBody } from './upload';
import { checkUploadOptions } from './uploadOptions';
import { BatchRunDeps, currentRunOf, startBatchRun, uploadAnswer } from './runs';
import { checkUploadRows, uploadRows } from './uploadRows';
import { predictBatch, previewAnswer, takePreviewFlag } from './previewUseCases';
import type { MongoStores } from '../platform/db/mongo';
import type { Caller } from '../platform/http/auth';
import type { ApiDrain } from '../platform/http/drain';
import { clientChannelOf } from '../platform/http/channel';
import { keyReused, requestHash } from '../platform/http/idempotency';
import type { ApiMetrics } from '../platform/http/metrics';

export interface UploadDeps extends BatchRunDeps {
  mongo: MongoStores;
  metrics: Pick<ApiMetrics, 'uploadRows' | 'uploadBytes'>;
  /** A shutdown past its grace period ends an upload still being received (503). */
  drain: Pick<ApiDrain, 'graceOver'>;
}

export interface BatchUpload {
  /** The request carrying the CSV: a multipart `file` part or a text/csv body (receiveCsv). */
  request: Request;
  /** The query's upload parameters; multipart fields before the file part add to them. */
  query: Record<string, string>;
  idempotencyKey: string | null;
}

export interface UploadOutcome {
  /** 202 for a new batch, 201 for a new preview, 200 for the batch an earlier upload with the same Idempotency-Key stored. */
  status: 200 | 201 | 202;
  batchId: string;
  answer: ReturnType<typeof uploadAnswer> | ReturnType<typeof previewAnswer>;
}

export async function uploadBatch(deps: UploadDeps, caller: Caller, upload: BatchUpload): Promise<UploadOutcome> {
  const { stored, fingerprint, receivedBytes } = await storeUpload(deps, caller, upload);
  if (!stored.created) return answerRepeat(deps, caller, stored.batch, upload.idempotencyKey!, fingerprint);
  deps.metrics.uploadRows.inc(Number(stored.batch.extFields.total_devices ?? 0));
  deps.metrics.uploadBytes.inc(receivedBytes);
  if (stored.batch.status === 'PREVIEW') {
    return { status: 201, batchId: stored.batch.id, answer: previewAnswer(deps.config, await predictBatch(deps, stored.batch)) };
  }
  await startBatchRun(deps, stored.batch, 0);
  const startAt = stored.batch.options.schedule?.startAt;
  const status = startAt && Date.parse(startAt) > Date.now() ? 'SCHEDULED' : 'RUNNING';
  return { status: 202, batchId: stored.batch.id, answer: uploadAnswer(deps.config, stored.batch, status) };
}

/** Receives the file and stores the batch with its rows, or finds the batch an earlier upload with the key stored. */
async function storeUpload(deps: UploadDeps, caller: Caller, { request, query, idempotencyKey }: BatchUpload) {
  const limits = deps.config.upload;
  const batchId = randomUUID();
  const spool = await createUploadSpool();
  try {
    const received = await receiveCsv(request, limits);
    const { preview, params } = takePreviewFlag({ ...query, ...received.fields });
    const options = await checkUploadOptions(deps, caller, params);
    const body = await receiveCsvBody({ source: received.stream, spool, limits, stop: deps.drain.graceOver });
    // The same options and the same bytes are the same upload, whatever the file's name.
    const fingerprint = requestHash({ options, contentSha256: body.contentSha256, ...(preview ? { preview } : {}) });
    const earlier = idempotencyKey ? await findBatchByIdempotencyKey(deps.pool, caller.tenantId, idempotencyKey) : null;
    // The rows are read while they are COPYed; a file that may be refused for its row count, or
    // one answered from an earlier upload, is read once before, so no such refusal costs a COPY.
    if (earlier || body.rowsAtMost > limits.maxRows) await checkUploadRows(spool, body.rowsAtMost, limits);
    const stored = earlier
      ? { batch: earlier, created: false }
      : await createBatchWithRows(
          deps.pool,
          {
            id: batchId,
            tenantId: caller.tenantId,
            createdBy: caller.userId,
            idempotencyKey,
            status: preview ? 'PREVIEW' : 'CREATED',
            extFields: (rows) => ({
              ...batchOptionsToExtFields(options, received.fileName),
              uploaded_by: { name: caller.userId, role: caller.role },
              channel: clientChannelOf(request),
              total_devices: rows.total,
              rows,
              current_workflow_id: batchWorkflowId(batchId, 0),
              request_hash: fingerprint,
              ...(preview ? { previewed: true } : {}),
            }),
          },
          uploadRows(spool, body.rowsAtMost, limits),
        );
    return { stored, fingerprint, receivedBytes: body.bytes };
  } catch (err) {
    request.resume();
    throw err;
  } finally {
    await spool.discard();
  }
}

/** The batch the first request with this key stored: started if it was not, and answered again. */
async function answerRepeat(deps: UploadDeps, caller: Caller, earlier: BatchRecord, key: string, hash: string): Promise<UploadOutcome> {
  if (earlier.extFields.request_hash !== hash) {
    const file = (earlier.extFields.file_name as string | null | undefined) ?? 'a text/csv body';
    throw keyReused(key, { requestLine: `POST /v1/batches that stored batch ${earlier.id} from ${file}`, at: earlier.createdAt });
  }
  if (earlier.status === 'PREVIEW') {
    const predicted = earlier.extFields.preview ? earlier : await predictBatch(deps, earlier);
    return { status: 200, batchId: earlier.id, answer: previewAnswer(deps.config, predicted) };
  }
  if (earlier.status === 'CREATED') await startBatchRun(deps, earlier, currentRunOf(earlier).attempt);
  const current = (await findBatch(deps.pool, earlier.id, [caller.tenantId]))!;
  return { status: 200, batchId: earlier.id, answer: uploadAnswer(deps.config, current, current.status) };
}
