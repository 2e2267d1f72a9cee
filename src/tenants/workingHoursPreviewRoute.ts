// GET /v1/tenants/:id/working-hours/next-working-instant?at=<ISO 8601>: when the tenant's calendar next allows
// work from `at` (default now) (previewNextWorkingInstant). Read-only; the portal's working-hours preview.
import { Router } from 'express';
import { previewNextWorkingInstant } from './workingInstantPreview';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export function workingHoursPreviewRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/tenants/:id/working-hours/next-working-instant', async (req, res) => {
    const tenantId = String(req.params.id);
    if (!callerOf(req).tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
    res.json(await previewNextWorkingInstant(deps, tenantId, instantOf(req.query.at)));
  });

  return router;
}

function instantOf(value: unknown): Date {
  if (value === undefined || value === '') return new Date();
  const at = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(at.getTime())) {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      `at must be an ISO 8601 instant such as 2026-12-24T16:00:00Z, got ${JSON.stringify(value)}`,
    );
  }
  return at;
}
