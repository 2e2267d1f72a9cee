// A tenant's working-hours calendar (SPEC §5) as the API shows it: the calendar that applies (the tenant's own
// or the nearest ancestor's, or that there is none), and the replacement of the tenant's own after validation (422 with field errors).
import type { Pool } from 'pg';
import { findApplicableWorkingHours, saveWorkingHours, StoredCalendar } from './workingHoursStore';
import { describeCalendar, validateCalendar } from './workingHours';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

/** The calendar that applies, or an explicit "none" (never a guessed zone) when the tenant and its ancestors have none. */
export async function readWorkingHours({ pool }: { pool: Pool }, tenantId: string) {
  const stored = await findApplicableWorkingHours(pool, tenantId);
  if (!stored) {
    return {
      tenantId,
      configured: false as const,
      timeZone: null,
      summary: 'No working-hours calendar: the tenant has no time zone and no working windows of its own or inherited.',
    };
  }
  return present(tenantId, stored);
}

/** `calendar` is the request's body, validated here. */
export async function replaceWorkingHours({ pool }: { pool: Pool }, caller: Caller, tenantId: string, calendar: unknown) {
  const validation = validateCalendar(calendar);
  if (!validation.ok) {
    throw new ProblemError(422, 'VALIDATION_FAILED', validation.errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
      errors: validation.errors,
    });
  }
  const stored = await saveWorkingHours(pool, tenantId, validation.calendar, caller.userId);
  return present(tenantId, stored);
}

function present(tenantId: string, stored: StoredCalendar) {
  return {
    tenantId,
    configured: true as const,
    inheritedFrom: stored.tenantId === tenantId ? null : stored.tenantId,
    ...stored.calendar,
    summary: describeCalendar(stored.calendar),
    updatedBy: stored.updatedBy,
    updatedAt: stored.updatedAt.toISOString(),
  };
}
