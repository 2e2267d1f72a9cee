// GET /v1/tenants/:id/working-hours/next-working-instant?at=<ISO 8601>: when the tenant's calendar (its
// own or the nearest ancestor's) next allows work from `at` (default now), computed by the same
// nextWorkingInstant that times working-hours locks. Read-only; the portal's working-hours preview.
import { Router } from 'express';
import { findApplicableWorkingHours } from './workingHoursStore';
import { isWorkingInstant, nextWorkingInstant } from './workingHours';
import { localDateTime } from './timeZone';
import type { ApiDeps } from '../platform/http/apiDeps';
import { callerOf } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export function workingHoursPreviewRoutes(deps: ApiDeps): Router {
  const router = Router();

  router.get('/tenants/:id/working-hours/next-working-instant', async (req, res) => {
    const tenantId = String(req.params.id);
    if (!callerOf(req).tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
    const at = instantOf(req.query.at);
    const stored = await findApplicableWorkingHours(deps.pool, tenantId);
    if (!stored) throw new ProblemError(404, 'NOT_FOUND', `tenant ${tenantId} has no working-hours calendar`);
    const { calendar } = stored;
    const next = nextWorkingInstant(calendar, at);
    res.json({
      tenantId,
      calendarOf: stored.tenantId,
      timeZone: calendar.timeZone,
      at: at.toISOString(),
      atLocal: localText(at, calendar.timeZone),
      isWorkingInstant: isWorkingInstant(calendar, at),
      nextWorkingInstant: next?.toISOString() ?? null,
      nextWorkingInstantLocal: next ? localText(next, calendar.timeZone) : null,
    });
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

/** "2026-12-28 08:00 MON" in the calendar's zone. */
function localText(at: Date, timeZone: string): string {
  const l = localDateTime(at.getTime(), timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const weekday = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'][new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay()];
  return `${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)} ${weekday}`;
}
