// A tenant's working hours: time zone, weekly windows and holidays, editable by operators; and a
// preview of the next working instant from a chosen time, computed by the API with the saved calendar.
// A tenant without a calendar has no zone: none is guessed (the operator who sets one picks it).
import { FormEvent, useState } from 'react';
import type { WorkingHours, WorkingHoursCalendar } from '../api/types';
import { useSaveWorkingHours, useWorkingHours } from '../api/workingHours';
import { Holidays, TimeZoneField, WeeklyWindows } from '../components/CalendarFields';
import { NextWorkingInstantForm } from '../components/NextWorkingInstantForm';
import { Notice } from '../components/Notice';
import { PageHeading } from '../components/PageHeading';
import { ProblemBox } from '../components/ProblemBox';
import { Time } from '../components/Time';
import { canWrite, useSession } from '../session';

export function WorkingHoursPage() {
  const session = useSession();
  const [tenantId, setTenantId] = useState(session.me.tenantId);
  const workingHours = useWorkingHours(tenantId);
  // undefined until read; null when the tenant has no calendar yet.
  const stored = workingHours.data;
  return (
    <section>
      <PageHeading title="Working hours" />
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
  if (!stored) {
    return (
      <p className="muted" data-testid="calendar-summary">
        This tenant has no calendar and no time zone yet{writer ? ': set one below.' : '.'} Times are shown in UTC.
      </p>
    );
  }
  return (
    <p className="muted" data-testid="calendar-summary">
      {stored.summary}
      {stored.inheritedFrom ? ` — inherited from ${stored.inheritedFrom}` : ''}
      {stored.updatedAt && (
        <>
          {' '}
          · updated <Time iso={stored.updatedAt} /> by {stored.updatedBy}
        </>
      )}
    </p>
  );
}

/** The calendar being edited: the stored one when the form opens (a refetch never overwrites edits). */
function CalendarForm({ tenantId, stored }: { tenantId: string; stored: WorkingHours | null }) {
  const writer = canWrite(useSession());
  const [calendar, setCalendar] = useState<WorkingHoursCalendar>(() => ({
    timeZone: stored?.timeZone ?? '',
    windows: stored?.windows ?? [],
    holidays: stored?.holidays ?? [],
  }));
  const save = useSaveWorkingHours(tenantId);
  const update = (change: Partial<WorkingHoursCalendar>) => {
    save.reset();
    setCalendar((current) => ({ ...current, ...change }));
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    save.mutate(calendar);
  }

  return (
    <>
      <form className="card" onSubmit={submit} aria-label="Calendar">
        <fieldset disabled={!writer}>
          <TimeZoneField timeZone={calendar.timeZone} onChange={(timeZone) => update({ timeZone })} />
          <WeeklyWindows windows={calendar.windows} editable={writer} onChange={(windows) => update({ windows })} />
          <Holidays holidays={calendar.holidays} editable={writer} onChange={(holidays) => update({ holidays })} />
          {writer && (
            <div className="actions">
              <button type="submit">Save calendar</button>
              {save.isSuccess && <Notice text="Saved." />}
            </div>
          )}
        </fieldset>
      </form>
      <ProblemBox problem={save.error} focus />
    </>
  );
}
