// Graceful drain of the API on SIGTERM. Requests received before the signal finish; later ones get
// 503 with `Connection: close` (so do /readyz, which takes this instance out of a load balancer,
// and the answers to the requests still finishing), so clients take their retries elsewhere.
// When the grace period runs out, uploads still being received give up: their transaction rolls
// back and they answer 503, so an upload is either stored whole or not at all.
import { setMaxListeners } from 'node:events';
import { RequestHandler, Response } from 'express';
import { ProblemError, sendProblem } from './problem';

/** After the grace period, how long aborted uploads get to roll back and answer. */
const ABORT_SETTLE_MS = 5_000;

export interface ApiDrain {
  /** True from the shutdown signal on. */
  readonly draining: boolean;
  /** Aborted when the grace period is over: requests still receiving a body stop and answer 503. */
  readonly graceOver: AbortSignal;
  /** Express middleware, before any route: admits requests, or refuses them once draining. */
  readonly gate: RequestHandler;
  /** Starts draining; resolves with the number of requests left unanswered once all have answered or time is up. */
  drain(graceMs: number): Promise<number>;
}

export function createApiDrain(): ApiDrain {
  let draining = false;
  const graceOver = new AbortController();
  // Every upload being received listens on it: as many listeners as uploads in flight is normal.
  setMaxListeners(0, graceOver.signal);
  const inFlight = new Set<Response>();
  const idleListeners = new Set<() => void>();

  const gate: RequestHandler = (req, res, next) => {
    if (!draining) {
      inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(res);
        if (inFlight.size === 0) idleListeners.forEach((listener) => listener());
      });
      return next();
    }
    res.set('Connection', 'close');
    // Probes still answer: liveness stays up (the process is fine), readiness says draining.
    if (req.path === '/healthz' || req.path === '/readyz') return next();
    sendProblem(res, shuttingDown('the API is shutting down and takes no new requests; send the request again'));
  };

  /** Resolves when no admitted request is left, or after `ms`. */
  function idleWithin(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        idleListeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      idleListeners.add(done);
      if (inFlight.size === 0) done();
    });
  }

  return {
    get draining() {
      return draining;
    },
    graceOver: graceOver.signal,
    gate,
    async drain(graceMs) {
      draining = true;
      // Answers still to come close their connection: a keep-alive client must not send more here.
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      await idleWithin(graceMs);
      if (inFlight.size > 0) {
        graceOver.abort();
        await idleWithin(ABORT_SETTLE_MS);
      }
      return inFlight.size;
    },
  };
}

export function shuttingDown(detail: string): ProblemError {
  return new ProblemError(503, 'SERVICE_UNAVAILABLE', detail);
}
