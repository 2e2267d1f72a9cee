// When a tenant's calendar (its own or the nearest ancestor's) next allows work from an instant, computed by the
// same nextWorkingInstant that times working-hours locks, with both instants in the calendar's local time: the
// portal's working-hours preview.
import type { Pool } from 'pg';
import { findApplicableWorkingHours } from './workingHoursStore';
import { isWorkingInstant, nextWorkingInstant } from './workingHours';
import { localDateTime } from './timeZone';
import { ProblemError } from '../platform/http/problem';

export async function previewNextWorkingInstant({ pool }: { pool: Pool }, tenantId: string, at: Date) {
  const stored = await findApplicableWorkingHours(pool, tenantId);
  if (!stored) throw new ProblemError(404, 'NOT_FOUND', `tenant ${tenantId} has no working-hours calendar`);
  const { calendar } = stored;
  const next = nextWorkingInstant(calendar, at);
  return {
    tenantId,
    calendarOf: stored.tenantId,
    timeZone: calendar.timeZone,
    at: at.toISOString(),
    atLocal: localText(at, calendar.timeZone),
    isWorkingInstant: isWorkingInstant(calendar, at),
    nextWorkingInstant: next?.toISOString() ?? null,
    nextWorkingInstantLocal: next ? localText(next, calendar.timeZone) : null,
  };
}

/** "2026-12-28 08:00 MON" in the calendar's zone. */
function localText(at: Date, timeZone: string): string {
  const l = localDateTime(at.getTime(), timeZone);
  const pad = (n: number) => String(n).padStart(2, '0');
  const weekday = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'][new Date(Date.UTC(l.year, l.month - 1, l.day)).getUTCDay()];
  return `${l.year}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)} ${weekday}`;
}
