// Tenants' working-hours calendars (SPEC §5): GET shows the calendar that applies (the tenant's own or
// the nearest ancestor's), PUT replaces the tenant's own after validation (422 with field errors).
import { Request, Router } from 'express';
import { findApplicableWorkingHours, saveWorkingHours, StoredCalendar } from './workingHoursStore';
import { describeCalendar, validateCalendar } from './workingHours';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export function tenantRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/tenants/:id/working-hours', async (req, res) => {
    const tenantId = tenantInCallerTree(req);
    const stored = await findApplicableWorkingHours(deps.pool, tenantId);
    if (!stored) throw new ProblemError(404, 'NOT_FOUND', `tenant ${tenantId} has no working-hours calendar`);
    res.json(present(tenantId, stored));
  });

  router.put('/tenants/:id/working-hours', requireRole('operator'), async (req, res) => {
    const tenantId = tenantInCallerTree(req);
    const validation = validateCalendar(req.body);
    if (!validation.ok) {
      throw new ProblemError(422, 'VALIDATION_FAILED', validation.errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
        errors: validation.errors,
      });
    }
    const stored = await saveWorkingHours(deps.pool, tenantId, validation.calendar, callerOf(req).userId);
    res.json(present(tenantId, stored));
  });

  return router;
}

/** Another tenant's calendar is indistinguishable from a missing tenant: 404. */
function tenantInCallerTree(req: Request): string {
  const tenantId = String(req.params.id ?? '');
  if (!callerOf(req).tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
  return tenantId;
}

function present(tenantId: string, stored: StoredCalendar) {
  return {
    tenantId,
    inheritedFrom: stored.tenantId === tenantId ? null : stored.tenantId,
    ...stored.calendar,
    summary: describeCalendar(stored.calendar),
    updatedBy: stored.updatedBy,
    updatedAt: stored.updatedAt.toISOString(),
  };
}
