// GET /v1/batches/:id/events: a batch's progress as Server-Sent Events (text/event-stream) for the
// portal. A `progress` event carries the same body as GET /v1/batches/:id whenever something changed,
// at most one every EVENT_INTERVAL_MS; an `end` event carries the final status, then the stream closes.
// Authenticated by the X-API-Key header like every /v1 route (the portal reads it with fetch(), which
// can send headers, so the key never appears in a URL); another tenant's batch is 404 before any event.
// Every stream of a batch shares one poller (BatchProgressHub); open streams are capped per key and per
// process (LiveStreamLimits, 429 beyond); a stream ends with an `error` event carrying a problem when its
// key is revoked, the API drains, it has had nothing to say for LIVE_STREAM_IDLE_MS, it has been open
// LIVE_STREAM_MAX_MS, or the status cannot be read; the client then polls GET /v1/batches/:id.
import { Request, Response, Router } from 'express';
import { findCallerBatch } from './callerBatch';
import { BatchProgressHub, BatchStatusView, isFinishedBatchStatus } from './progressHub';
import type { BatchRecord } from './store';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf } from '../platform/http/auth';
import { LiveStreamLimits } from '../platform/http/liveStreamLimits';
import { problemOfEnd, watchLongLivedResponse } from '../platform/http/longLivedResponse';
import { ProblemError, problemBody } from '../platform/http/problem';
import { requestIdOf } from '../platform/http/requestId';

/** The shortest time between two events of one stream; a slow status read only makes it longer. */
export const EVENT_INTERVAL_MS = 500;
/** A comment line this often keeps proxies and idle-connection timers from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;
const REOPEN = 'open the stream again or poll GET /v1/batches/{id}';

export function batchEventRoutes(deps: ApiDeps): Router {
  const router = Router();
  const { api } = deps.config;
  const limits = new LiveStreamLimits({ perKey: api.liveStreamsPerKey, perProcess: api.liveStreamsPerProcess }, deps.metrics);
  const hub = new BatchProgressHub(deps, EVENT_INTERVAL_MS, deps.metrics.liveProgressPollers);

  router.get('/batches/:id/events', async (req, res) => {
    const caller = callerOf(req);
    limits.admit(caller, res);
    const found = await findCallerBatch(deps.pool, caller, String(req.params.id));
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    await streamProgress(deps, hub, req, res, found);
  });

  return router;
}

function streamProgress(deps: ApiDeps, hub: BatchProgressHub, req: Request, res: Response, batch: BatchRecord): Promise<void> {
  const { api } = deps.config;
  return new Promise((resolve) => {
    let eventId = 0;
    let lastSent = '';
    let lastWriteAt = Date.now();
    let lastEventAt = Date.now();
    let ended = false;
    const write = (text: string) => {
      res.write(text);
      lastWriteAt = Date.now();
    };
    const finish = (last: ProblemError | null) => {
      if (ended) return;
      ended = true;
      unwatch();
      stopWatchingKey();
      clearInterval(ticker);
      if (last && !res.writableEnded) {
        write(`event: error\nid: ${++eventId}\ndata: ${JSON.stringify({ ...problemBody(last), requestId: requestIdOf(res) })}\n\n`);
      }
      res.end();
      resolve();
    };
    const unwatch = hub.watch(batch, {
      onStatus(status: BatchStatusView) {
        const finished = isFinishedBatchStatus(status.status);
        const fingerprint = JSON.stringify([
          status.status,
          status.nextStartAt,
          status.progress,
          status.countersByCode,
          status.countersByStatus,
        ]);
        if (finished || fingerprint !== lastSent) {
          write(`event: ${finished ? 'end' : 'progress'}\nid: ${++eventId}\ndata: ${JSON.stringify(status)}\n\n`);
          lastSent = fingerprint;
          lastEventAt = Date.now();
        }
        if (finished) finish(null);
      },
      onFailure(err: unknown) {
        // The detail stays in the log under the request id; the client is told what to do.
        deps.log.error({ err, requestId: requestIdOf(res), path: req.path }, 'batch event stream failed');
        finish(
          err instanceof ProblemError
            ? err
            : new ProblemError(503, 'SERVICE_UNAVAILABLE', `the batch's progress could not be read; ${REOPEN}`),
        );
      },
    });
    const stopWatchingKey = watchLongLivedResponse(
      req,
      res,
      { keyCacheTtlMs: api.authCacheTtlMs, maxOpenMs: api.liveStreamMaxMs, drain: deps.drain },
      (why) => finish(problemOfEnd(why, api.liveStreamMaxMs, REOPEN)),
    );
    const ticker = setInterval(
      () => {
        const now = Date.now();
        if (now - lastEventAt >= api.liveStreamIdleMs) {
          finish(
            new ProblemError(
              503,
              'STREAM_EXPIRED',
              `the batch's progress has not changed for ${Math.round(api.liveStreamIdleMs / 1000)} s; ${REOPEN}`,
            ),
          );
        } else if (now - lastWriteAt >= KEEP_ALIVE_MS) {
          write(': keep-alive\n\n');
        }
      },
      Math.min(1000, api.liveStreamIdleMs),
    );
    res.once('close', () => finish(null));
  });
}
