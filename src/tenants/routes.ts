// Tenants' working-hours calendars (SPEC §5): GET shows the calendar that applies (readWorkingHours), PUT
// replaces the tenant's own (replaceWorkingHours), then tells whoever the app wired to follow the change (the temp
// locks waiting for working time) without holding the answer for it.
import { Request, Router } from 'express';
import { readWorkingHours, replaceWorkingHours } from './workingHoursCalendar';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf, requireRole } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';
import { requestIdOf } from '../platform/http/requestId';

/** What follows a replaced calendar (the app wires it); resolves to how many it told. */
export type CalendarReplaced = (tenantId: string) => Promise<number>;

export function tenantRoutes(deps: ApiDeps, calendarReplaced: CalendarReplaced): Router {
  const router = Router();

  router.get('/tenants/:id/working-hours', async (req, res) => {
    res.json(await readWorkingHours(deps, tenantInCallerTree(req)));
  });

  router.put('/tenants/:id/working-hours', requireRole('operator'), async (req, res) => {
    const tenantId = tenantInCallerTree(req);
    res.json(await replaceWorkingHours(deps, callerOf(req), tenantId, req.body));
    const requestId = requestIdOf(res);
    calendarReplaced(tenantId).then(
      (told) => deps.log.info({ requestId, tenantId, told }, 'working hours replaced: locks waiting for working time told'),
      (err: unknown) =>
        deps.log.warn(
          { err, requestId, tenantId },
          'working hours replaced: telling the waiting locks failed; they ask again at their own timers',
        ),
    );
  });

  return router;
}

/** Another tenant's calendar is indistinguishable from a missing tenant: 404. */
function tenantInCallerTree(req: Request): string {
  const tenantId = String(req.params.id ?? '');
  if (!callerOf(req).tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
  return tenantId;
}
