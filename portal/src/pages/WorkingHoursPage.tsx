// A tenant's working hours: time zone, weekly windows and holidays, editable by operators; and a
// preview of the next working instant from a chosen time, computed by the API with the saved calendar.
import { FormEvent, useState } from 'react';
import type { WorkingHours, WorkingHoursCalendar } from '../api/types';
import { useSaveWorkingHours, useWorkingHours } from '../api/workingHours';
import { Holidays, TimeZoneField, WeeklyWindows } from '../components/CalendarFields';
import { NextWorkingInstantForm } from '../components/NextWorkingInstantForm';
import { ProblemBox } from '../components/ProblemBox';
import { formatTime } from '../format';
import { canWrite, useSession } from '../session';

export function WorkingHoursPage() {
  const session = useSession();
  const [tenantId, setTenantId] = useState(session.me.tenantId);
  const workingHours = useWorkingHours(tenantId);
  // undefined until read; null when the tenant has no calendar yet.
  const stored = workingHours.data;
  return (
    <section>
      <h1>Working hours</h1>
      <label className="inline">
        Tenant{' '}
        <select name="tenant" value={tenantId} onChange={(e) => setTenantId(e.target.value)}>
          {session.me.tenantTree.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      {stored !== undefined && <CalendarSummary stored={stored} />}
      {stored !== undefined && <CalendarForm key={tenantId} tenantId={tenantId} stored={stored} />}
      <ProblemBox problem={workingHours.error} />
      {stored && <NextWorkingInstantForm tenantId={tenantId} />}
    </section>
  );
}

function CalendarSummary({ stored }: { stored: WorkingHours | null }) {
  const writer = canWrite(useSession());
  if (!stored) return <p className="muted">This tenant has no calendar yet{writer ? ': set one below.' : '.'}</p>;
  return (
    <p className="muted" data-testid="calendar-summary">
      {stored.summary}
      {stored.inheritedFrom ? ` — inherited from ${stored.inheritedFrom}` : ''}
      {stored.updatedAt ? ` · updated ${formatTime(stored.updatedAt)} by ${stored.updatedBy}` : ''}
    </p>
  );
}

/** The calendar being edited: the stored one when the form opens (a refetch never overwrites edits). */
function CalendarForm({ tenantId, stored }: { tenantId: string; stored: WorkingHours | null }) {
  const writer = canWrite(useSession());
  const [calendar, setCalendar] = useState<WorkingHoursCalendar>(() => ({
    timeZone: stored?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    windows: stored?.windows ?? [],
    holidays: stored?.holidays ?? [],
  }));
  const save = useSaveWorkingHours(tenantId);
  const update = (change: Partial<WorkingHoursCalendar>) => setCalendar((current) => ({ ...current, ...change }));

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(calendar);
  }

  return (
    <>
      <form className="card" onSubmit={submit}>
        <fieldset disabled={!writer}>
          <TimeZoneField timeZone={calendar.timeZone} onChange={(timeZone) => update({ timeZone })} />
          <WeeklyWindows windows={calendar.windows} editable={writer} onChange={(windows) => update({ windows })} />
          <Holidays holidays={calendar.holidays} editable={writer} onChange={(holidays) => update({ holidays })} />
          {writer && (
            <div className="actions">
              <button type="submit">Save calendar</button>
              {save.isSuccess && <span className="notice">Saved.</span>}
            </div>
          )}
        </fieldset>
      </form>
      <ProblemBox problem={save.error} />
    </>
  );
}
