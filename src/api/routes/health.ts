// Liveness and readiness: /readyz checks Temporal, PostgreSQL and MongoDB and names the one down;
// while the API drains for shutdown it answers 503 so a load balancer stops sending traffic.
import { Router } from 'express';
import type { ApiDeps } from '../app';
import { shuttingDown } from '../drain';
import { ProblemError, sendProblem } from '../problem';

const CHECK_TIMEOUT_MS = 2000;

export function healthRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (deps.drain.draining) return sendProblem(res, shuttingDown('not ready: the API is shutting down'));
    const checks = {
      temporal: await probe(() => deps.temporal.workflowService.getSystemInfo({})),
      postgresql: await probe(() => deps.pool.query('SELECT 1')),
      mongodb: await probe(() => deps.mongo.db.command({ ping: 1 })),
    };
    const down = Object.entries(checks).filter(([, v]) => v !== 'ok');
    if (down.length === 0) {
      res.json({ status: 'ready', checks });
      return;
    }
    const names = down.map(([name, reason]) => `${name} (${reason})`).join(', ');
    sendProblem(res, new ProblemError(503, 'SERVICE_UNAVAILABLE', `not ready: ${names} unreachable`, { checks }));
  });
  return router;
}

async function probe(check: () => Promise<unknown>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0] ?? 'down';
  } finally {
    clearTimeout(timer);
  }
}
