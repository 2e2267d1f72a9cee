// Liveness and readiness: /readyz checks Temporal, PostgreSQL and MongoDB and names the one down (the
// error itself only in the log, under the request id);
// while the API drains for shutdown it answers 503 so a load balancer stops sending traffic.
import { Router } from 'express';
import type { ApiDeps } from './apiDeps';
import { shuttingDown } from './drain';
import { pingMongo } from '../db/mongo';
import { pingPostgres } from '../db/postgres';
import { ProblemError, sendProblem } from './problem';
import { requestIdOf } from './requestId';

const CHECK_TIMEOUT_MS = 2000;

export function healthRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (deps.drain.draining) return sendProblem(res, shuttingDown('not ready: the API is shutting down'));
    const requestId = requestIdOf(res);
    const probes = {
      temporal: () => deps.temporal.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => deps.temporal.workflowService.getSystemInfo({})),
      postgresql: () => pingPostgres(deps.pool),
      mongodb: () => pingMongo(deps.mongo),
    };
    const results = await Promise.all(
      Object.entries(probes).map(async ([name, check]) => {
        const outcome = await probe(check);
        if (outcome.status !== 'ok') deps.log.warn({ requestId, check: name, err: outcome.error }, `readiness: ${name} ${outcome.status}`);
        return [name, outcome.status] as const;
      }),
    );
    const checks = Object.fromEntries(results);
    const down = results.filter(([, status]) => status !== 'ok');
    if (down.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    const names = down.map(([name, status]) => `${name} (${status})`).join(', ');
    sendProblem(
      res,
      new ProblemError(503, 'SERVICE_UNAVAILABLE', `not ready: ${names}; see the API's log for request ${requestId}`, { checks }),
    );
  });
  return router;
}

/** 'ok', or how the check failed: the error itself goes to the log, never into the answer. */
async function probe(check: () => Promise<unknown>): Promise<{ status: 'ok' | 'unreachable' | 'timeout'; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol('timeout');
  try {
    const outcome = await Promise.race([
      check(),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(timedOut), CHECK_TIMEOUT_MS);
      }),
    ]);
    return outcome === timedOut ? { status: 'timeout', error: `no answer within ${CHECK_TIMEOUT_MS} ms` } : { status: 'ok' };
  } catch (error) {
    return { status: 'unreachable', error };
  } finally {
    clearTimeout(timer);
  }
}
