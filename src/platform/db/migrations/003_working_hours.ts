// Per-tenant working-hours calendars (SPEC §5): IANA zone, weekly windows and holiday dates.
export const id = '003_working_hours';
export const sql = `
CREATE TABLE t_working_hours (
  tenant_id   text PRIMARY KEY REFERENCES t_tenant(id),
  time_zone   text NOT NULL,
  windows     jsonb NOT NULL,                -- [{day, start, end}], validated by domain/workingHours
  holidays    jsonb NOT NULL,                -- ["YYYY-MM-DD", ...] local dates
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
`;
