// /v1/batches: CSV upload (202 + links), status with counters, per-device results (JSON pages and a CSV
// download), cancel and retry (pause and resume: pauseRoutes.ts). Each route parses the request and answers what its use case returns
// (uploadBatch, batchStatus, batchDevicesPage, cancelBatch, retryBatch). Another tenant's batch is 404.
import { Request, Router } from 'express';
import { findCallerBatch } from './callerBatch';
import { batchDevicesPage } from './devicesPage';
import { MAX_ROW_NUMBER, type BatchRecord } from './store';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { cancelBatch, retryBatch } from './runControl';
import { batchStatus, uploadAnswer } from './runs';
import { answerOnce, idempotencyKeyOf } from '../platform/http/idempotency';
import { ProblemError } from '../platform/http/problem';
import { streamResultsCsv } from './resultsCsv';
import { watchLongLivedResponse } from '../platform/http/longLivedResponse';
import { requestIdOf } from '../platform/http/requestId';
import { uploadBatch } from './uploadBatch';
import { batchPauseRoutes } from './pauseRoutes';

export function batchRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.post('/batches', requireRole('operator'), async (req, res) => {
    const caller = callerOf(req);
    const upload = { request: req, query: queryStrings(req), idempotencyKey: idempotencyKeyOf(req) };
    const uploaded = await uploadBatch(deps, caller, upload);
    res.status(uploaded.status).location(`/v1/batches/${uploaded.batchId}`).json(uploaded.answer);
  });

  router.get('/batches/:id', async (req, res) => {
    res.json(await batchStatus(deps, await batchOf(req)));
  });

  router.get('/batches/:id/devices', async (req, res) => {
    const status = optionalString(req.query.status, 'status');
    const code = optionalString(req.query.code, 'code');
    const uidPrefix = optionalString(req.query.uidPrefix, 'uidPrefix');
    const afterRowNumber = cursorOf(req.query.cursor);
    const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100) || 100));
    const batch = await batchOf(req);
    const page = await batchDevicesPage(deps, batch, { status, code, uidPrefix, afterRowNumber, limit });
    const next = page.nextCursor ? `${deps.config.api.publicUrl}/v1/batches/${batch.id}/devices?${nextQuery(req, page.nextCursor)}` : null;
    res.json({ ...page, links: { next } });
  });

  router.get('/batches/:id/results.csv', async (req, res) => {
    const batch = await batchOf(req);
    // A large batch's download can take a while: a revoked key cuts it off (the client sees an incomplete file).
    const settings = { keyCacheTtlMs: deps.config.api.authCacheTtlMs, maxOpenMs: null, drain: null };
    const stopWatching = watchLongLivedResponse(req, res, settings, (why) => {
      deps.log.warn({ requestId: requestIdOf(res), batchId: batch.id, why }, 'results download cut off');
      res.destroy();
    });
    try {
      await streamResultsCsv(deps.pool, batch.id, res);
    } finally {
      stopWatching();
    }
  });

  // With an Idempotency-Key a repeated cancel or retry (a double press, a resent request) gets the first answer.
  router.post('/batches/:id/cancel', requireRole('operator'), async (req, res) => {
    const batch = await batchOf(req);
    await answerOnce(deps.pool, req, res, commandScope(req, 'cancel', batch), {}, async () => ({
      status: 202,
      body: {
        batchId: batch.id,
        status: await cancelBatch(deps, batch),
        links: { self: `${deps.config.api.publicUrl}/v1/batches/${batch.id}` },
      },
    }));
  });

  router.post('/batches/:id/retry', requireRole('operator'), async (req, res) => {
    const batch = await batchOf(req);
    await answerOnce(deps.pool, req, res, commandScope(req, 'retry', batch), {}, async () => {
      const retried = await retryBatch(deps, batch);
      return {
        status: 202,
        body: {
          batchId: retried.batch.id,
          status: 'RUNNING',
          retry: retried.attempt,
          devices: retried.devices,
          links: uploadAnswer(deps.config, retried.batch, 'RUNNING').links,
        },
      };
    });
  });

  router.use(batchPauseRoutes(deps));

  function commandScope(req: Request, command: 'cancel' | 'retry', batch: BatchRecord) {
    return { tenantId: callerOf(req).tenantId, endpoint: `POST /v1/batches/{id}/${command}`, target: batch.id };
  }

  function batchOf(req: Request): Promise<BatchRecord> {
    return findCallerBatch(deps.pool, callerOf(req), String(req.params.id));
  }

  return router;
}

/** The query's values; a parameter given twice is refused rather than dropped (it would fall back to a default). */
function queryStrings(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query)) {
    if (typeof v !== 'string') throw new ProblemError(400, 'VALIDATION_FAILED', `query parameter ${k} must be given once`);
    out[k] = v;
  }
  return out;
}

function optionalString(value: unknown, name: string): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new ProblemError(400, 'VALIDATION_FAILED', `${name} must be given once`);
  return value;
}

function cursorOf(value: unknown): number {
  if (value === undefined || value === '') return 0;
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value) || Number(value) > MAX_ROW_NUMBER) {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      'cursor must be a value from nextCursor (as given in links.next); leave it out for the first page',
    );
  }
  return Number(value);
}

function nextQuery(req: Request, cursor: string): string {
  const params = new URLSearchParams(queryStrings(req));
  params.set('cursor', cursor);
  return params.toString();
}
