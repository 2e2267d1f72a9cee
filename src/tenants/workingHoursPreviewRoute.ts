// GET /v1/tenants/:id/working-hours/next-working-instant?at=<ISO 8601>: when the tenant's calendar next allows
// work from `at` (default now) (previewNextWorkingInstant). Read-only; the portal's working-hours preview.
import { Router } from 'express';
import { previewNextWorkingInstant } from './workingInstantPreview';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';
import { instantOf, queryOf } from '../platform/http/queryParameters';

export function workingHoursPreviewRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/tenants/:id/working-hours/next-working-instant', async (req, res) => {
    const tenantId = String(req.params.id);
    if (!callerOf(req).tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
    const at = instantOf(queryOf(req).at, 'at') ?? new Date();
    res.json(await previewNextWorkingInstant(deps, tenantId, at));
  });

  return router;
}
