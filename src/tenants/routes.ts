// Tenants' working-hours calendars (SPEC §5): GET shows the calendar that applies (readWorkingHours), PUT
// replaces the tenant's own (replaceWorkingHours).
import { Request, Router } from 'express';
import { readWorkingHours, replaceWorkingHours } from './workingHoursCalendar';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export function tenantRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/tenants/:id/working-hours', async (req, res) => {
    res.json(await readWorkingHours(deps, tenantInCallerTree(req)));
  });

  router.put('/tenants/:id/working-hours', requireRole('operator'), async (req, res) => {
    res.json(await replaceWorkingHours(deps, callerOf(req), tenantInCallerTree(req), req.body));
  });

  return router;
}

/** Another tenant's calendar is indistinguishable from a missing tenant: 404. */
function tenantInCallerTree(req: Request): string {
  const tenantId = String(req.params.id ?? '');
  if (!callerOf(req).tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
  return tenantId;
}
