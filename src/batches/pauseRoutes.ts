// POST /v1/batches/{id}/pause and /resume: no new devices start while a batch is paused (those running
// finish); resume goes on. Both are idempotent by nature (pausing a paused batch answers PAUSED), so
// they need no Idempotency-Key. Another tenant's batch is 404.
import { Router } from 'express';
import { findCallerBatch } from './callerBatch';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { RunCommand, pauseOrResumeBatch } from './pauseControl';

export function batchPauseRoutes(deps: ApiDeps): Router {
  const router = Router();
  for (const command of ['pause', 'resume'] as const satisfies readonly RunCommand[]) {
    router.post(`/batches/:id/${command}`, requireRole('operator'), async (req, res) => {
      const batch = await findCallerBatch(deps.pool, callerOf(req), String(req.params.id));
      const status = await pauseOrResumeBatch(deps, batch, command);
      res.json({ batchId: batch.id, status, links: { self: `${deps.config.api.publicUrl}/v1/batches/${batch.id}` } });
    });
  }
  return router;
}
