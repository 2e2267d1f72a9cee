// GET /v1/batches/:id/events: a batch's progress as Server-Sent Events (text/event-stream) for the
// portal. A `progress` event carries the same body as GET /v1/batches/:id whenever something changed,
// at most one every EVENT_INTERVAL_MS; an `end` event carries the final status, then the stream closes.
// Authenticated by the X-API-Key header like every /v1 route (the portal reads it with fetch(), which
// can send headers, so the key never appears in a URL); another tenant's batch is 404 before any event.
import { Request, Response, Router } from 'express';
import { findCallerBatch } from './callerBatch';
import { BatchRecord, findBatch } from './store';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf } from '../platform/http/auth';
import { batchStatus } from './runs';

/** The shortest time between two events of one stream; a slow status read only makes it longer. */
export const EVENT_INTERVAL_MS = 500;
/** A comment line this often keeps proxies and idle-connection timers from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;
const FINISHED = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);

export function batchEventRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/batches/:id/events', async (req, res) => {
    const caller = callerOf(req);
    const found = await findCallerBatch(deps.pool, caller, String(req.params.id));
    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    await streamProgress(deps, req, res, found, caller.tenantTree);
  });

  return router;
}

async function streamProgress(deps: ApiDeps, req: Request, res: Response, first: BatchRecord, tenantTree: string[]): Promise<void> {
  let closed = false;
  deps.metrics.liveProgressClients.inc();
  res.once('close', () => {
    closed = true;
    deps.metrics.liveProgressClients.dec();
  });
  let batch: BatchRecord | null = first;
  let lastSent = '';
  let lastWriteAt = Date.now();
  let eventId = 0;
  const write = (text: string) => {
    res.write(text);
    lastWriteAt = Date.now();
  };
  try {
    // A draining API ends its streams so the shutdown is not held for the grace period; the portal
    // then reconnects to another instance or polls.
    while (!closed && !deps.drain.draining && batch) {
      const status = await batchStatus(deps, batch);
      const finished = FINISHED.has(status.status);
      const fingerprint = JSON.stringify([status.status, status.progress, status.countersByCode, status.countersByStatus]);
      if (finished || fingerprint !== lastSent) {
        write(`event: ${finished ? 'end' : 'progress'}\nid: ${++eventId}\ndata: ${JSON.stringify(status)}\n\n`);
        lastSent = fingerprint;
      } else if (Date.now() - lastWriteAt >= KEEP_ALIVE_MS) {
        write(': keep-alive\n\n');
      }
      if (finished) break;
      await pause(EVENT_INTERVAL_MS, res);
      if (!closed) batch = await findBatch(deps.pool, batch.id, tenantTree);
    }
  } catch (err) {
    // Headers are sent: a problem body cannot follow. The client sees the stream end without `end`
    // and falls back to polling, which reports the error in its own words.
    deps.log.error({ err, requestId: res.get('X-Request-Id'), path: req.path }, 'batch event stream failed');
  }
  res.end();
}

/** Waits `ms`, or less if the client goes away. */
function pause(ms: number, res: Response): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    res.once('close', done);
    function done() {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    }
  });
}
