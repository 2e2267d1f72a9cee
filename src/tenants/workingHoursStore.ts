// Reads and writes tenants' working-hours calendars (t_working_hours). A workspace without a calendar of
// its own works to the nearest ancestor's.
import { Pool } from 'pg';
import { WorkingHoursCalendar, nextWorkingInstant, nextWorkingSpan } from './workingHours';

export interface StoredCalendar {
  /** The tenant whose calendar applies (the tenant itself or an ancestor). */
  tenantId: string;
  calendar: WorkingHoursCalendar;
  updatedBy: string;
  updatedAt: Date;
}

interface Row {
  tenant_id: string;
  time_zone: string;
  windows: WorkingHoursCalendar['windows'];
  holidays: string[];
  updated_by: string;
  updated_at: Date;
}

export async function saveWorkingHours(
  pool: Pool,
  tenantId: string,
  calendar: WorkingHoursCalendar,
  updatedBy: string,
): Promise<StoredCalendar> {
  const { rows } = await pool.query<Row>(
    `INSERT INTO t_working_hours (tenant_id, time_zone, windows, holidays, updated_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, windows = EXCLUDED.windows,
       holidays = EXCLUDED.holidays, updated_by = EXCLUDED.updated_by, updated_at = now()
     RETURNING *`,
    [tenantId, calendar.timeZone, JSON.stringify(calendar.windows), JSON.stringify(calendar.holidays), updatedBy],
  );
  return toStored(rows[0]!);
}

/** The calendar that applies to a tenant: its own, else the nearest ancestor's; null if none has one. */
export async function findApplicableWorkingHours(pool: Pool, tenantId: string): Promise<StoredCalendar | null> {
  const { rows } = await pool.query<Row>(
    `WITH RECURSIVE up AS (
       SELECT id, parent_id, 0 AS depth FROM t_tenant WHERE id = $1
       UNION ALL
       SELECT t.id, t.parent_id, up.depth + 1 FROM t_tenant t JOIN up ON t.id = up.parent_id WHERE up.depth < 32
     )
     SELECT w.* FROM up JOIN t_working_hours w ON w.tenant_id = up.id ORDER BY up.depth LIMIT 1`,
    [tenantId],
  );
  return rows[0] ? toStored(rows[0]) : null;
}

/**
 * The tenant's next working instant at or after `at` (epoch ms): `at` itself without a calendar, null when the
 * calendar never opens within its search horizon.
 */
export async function nextWorkingInstantFor(pool: Pool, tenantId: string, at: number): Promise<number | null> {
  const stored = await findApplicableWorkingHours(pool, tenantId);
  if (!stored) return at;
  return nextWorkingInstant(stored.calendar, new Date(at))?.getTime() ?? null;
}

/**
 * The tenant's working window at or after `at` (epoch ms): from when (`at` while open) until it closes;
 * `{ from: at, until: null }` without a calendar (always working), null when none opens within the horizon.
 */
export async function workingSpanFor(pool: Pool, tenantId: string, at: number): Promise<{ from: number; until: number | null } | null> {
  const stored = await findApplicableWorkingHours(pool, tenantId);
  if (!stored) return { from: at, until: null };
  return nextWorkingSpan(stored.calendar, new Date(at));
}

function toStored(row: Row): StoredCalendar {
  return {
    tenantId: row.tenant_id,
    calendar: { timeZone: row.time_zone, windows: row.windows, holidays: row.holidays },
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}
