// /v1/batches/{id}/start and DELETE /v1/batches/{id} (SPEC §9, bulk safety): a previewed batch (uploaded with
// preview=true) is started, or discarded with its rows. Operators only; another tenant's batch is 404.
import { Request, Router } from 'express';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { findCallerBatch } from './callerBatch';
import { discardPreviewedBatch, startPreviewedBatch } from './previewUseCases';

export function batchPreviewRoutes(deps: ApiDeps): Router {
  const router = Router();
  const batchOf = (req: Request) => findCallerBatch(deps.pool, callerOf(req), String(req.params.id));

  router.post('/batches/:id/start', requireRole('operator'), async (req, res) => {
    res.status(202).json(await startPreviewedBatch(deps, await batchOf(req)));
  });

  router.delete('/batches/:id', requireRole('operator'), async (req, res) => {
    await discardPreviewedBatch(deps.pool, await batchOf(req));
    res.status(204).end();
  });

  return router;
}
