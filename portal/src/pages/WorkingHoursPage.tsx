// A tenant's working hours: time zone, weekly windows and holidays, editable by operators; and a
// preview of the next working instant from a chosen time, computed by the API with the saved calendar.
import { FormEvent, useCallback, useEffect, useState } from 'react';
import { ApiProblem, apiJson } from '../api/client';
import type { Weekday, WorkingHours } from '../api/types';
import { ProblemBox, asProblem } from '../components/ProblemBox';
import { formatTime } from '../format';
import { canWrite, useSession } from '../session';

const DAYS: Weekday[] = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];

interface Calendar {
  timeZone: string;
  windows: { day: Weekday; start: string; end: string }[];
  holidays: string[];
}

interface Preview {
  at: string;
  atLocal: string;
  isWorkingInstant: boolean;
  nextWorkingInstant: string | null;
  nextWorkingInstantLocal: string | null;
  timeZone: string;
}

function zones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? [];
}

export function WorkingHoursPage() {
  const session = useSession();
  const [tenantId, setTenantId] = useState(session.me.tenantId);
  const [stored, setStored] = useState<WorkingHours | null>(null);
  const [calendar, setCalendar] = useState<Calendar | null>(null);
  const [problem, setProblem] = useState<Error | null>(null);
  const [saved, setSaved] = useState(false);
  const writer = canWrite(session);
  const path = `/v1/tenants/${encodeURIComponent(tenantId)}/working-hours`;

  const load = useCallback(async () => {
    setProblem(null);
    setSaved(false);
    try {
      const answer = await apiJson<WorkingHours>(session.key, path);
      setStored(answer);
      setCalendar({ timeZone: answer.timeZone, windows: answer.windows, holidays: answer.holidays });
    } catch (err) {
      setStored(null);
      if (err instanceof ApiProblem && err.status === 404) {
        setCalendar({ timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, windows: [], holidays: [] });
      } else {
        setCalendar(null);
        setProblem(asProblem(err));
      }
    }
  }, [session.key, path]);

  useEffect(() => {
    void load();
  }, [load]);

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!calendar) return;
    setProblem(null);
    setSaved(false);
    try {
      const answer = await apiJson<WorkingHours>(session.key, path, { method: 'PUT', body: calendar });
      setStored(answer);
      setSaved(true);
    } catch (err) {
      setProblem(asProblem(err));
    }
  }

  const update = (change: Partial<Calendar>) => calendar && setCalendar({ ...calendar, ...change });
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
      {stored && (
        <p className="muted" data-testid="calendar-summary">
          {stored.summary}
          {stored.inheritedFrom ? ` — inherited from ${stored.inheritedFrom}` : ''}
          {stored.updatedAt ? ` · updated ${formatTime(stored.updatedAt)} by ${stored.updatedBy}` : ''}
        </p>
      )}
      {!stored && calendar && <p className="muted">This tenant has no calendar yet{writer ? ': set one below.' : '.'}</p>}
      {calendar && (
        <form className="card" onSubmit={save}>
          <fieldset disabled={!writer}>
            <label>
              Time zone
              <input
                name="timeZone"
                list="time-zones"
                value={calendar.timeZone}
                onChange={(e) => update({ timeZone: e.target.value })}
                required
              />
              <datalist id="time-zones">
                {zones().map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </label>
            <h2>Weekly windows</h2>
            <table className="windows">
              <thead>
                <tr>
                  <th>day</th>
                  <th>from</th>
                  <th>until</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {calendar.windows.map((w, i) => {
                  const set = (change: Partial<Calendar['windows'][number]>) =>
                    update({ windows: calendar.windows.map((x, j) => (j === i ? { ...x, ...change } : x)) });
                  return (
                    <tr key={i}>
                      <td>
                        <select value={w.day} onChange={(e) => set({ day: e.target.value as Weekday })} aria-label="day">
                          {DAYS.map((d) => (
                            <option key={d}>{d}</option>
                          ))}
                        </select>
                      </td>
                      <td>
                        <input
                          value={w.start}
                          onChange={(e) => set({ start: e.target.value })}
                          pattern="\d\d:\d\d"
                          size={5}
                          aria-label="from"
                        />
                      </td>
                      <td>
                        <input
                          value={w.end}
                          onChange={(e) => set({ end: e.target.value })}
                          pattern="\d\d:\d\d"
                          size={5}
                          aria-label="until"
                        />
                      </td>
                      <td>
                        {writer && (
                          <button
                            type="button"
                            className="link-button"
                            onClick={() => update({ windows: calendar.windows.filter((_, j) => j !== i) })}
                          >
                            remove
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {writer && (
              <button
                type="button"
                onClick={() => update({ windows: [...calendar.windows, { day: 'MON', start: '08:00', end: '17:00' }] })}
              >
                Add window
              </button>
            )}
            <h2>Holidays</h2>
            <ul className="holidays">
              {calendar.holidays.map((day, i) => (
                <li key={i}>
                  <input
                    type="date"
                    value={day}
                    aria-label="holiday"
                    onChange={(e) => update({ holidays: calendar.holidays.map((x, j) => (j === i ? e.target.value : x)) })}
                  />
                  {writer && (
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => update({ holidays: calendar.holidays.filter((_, j) => j !== i) })}
                    >
                      remove
                    </button>
                  )}
                </li>
              ))}
            </ul>
            {writer && (
              <button type="button" onClick={() => update({ holidays: [...calendar.holidays, new Date().toISOString().slice(0, 10)] })}>
                Add holiday
              </button>
            )}
            {writer && (
              <div className="actions">
                <button type="submit">Save calendar</button>
                {saved && <span className="notice">Saved.</span>}
              </div>
            )}
          </fieldset>
        </form>
      )}
      <ProblemBox problem={problem} />
      {stored && <PreviewForm tenantId={tenantId} />}
    </section>
  );
}

function PreviewForm({ tenantId }: { tenantId: string }) {
  const session = useSession();
  const [at, setAt] = useState(() => localInputValue(new Date()));
  const [preview, setPreview] = useState<Preview | null>(null);
  const [problem, setProblem] = useState<Error | null>(null);

  async function run(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    try {
      const query = new URLSearchParams({ at: new Date(at).toISOString() });
      setPreview(
        await apiJson<Preview>(session.key, `/v1/tenants/${encodeURIComponent(tenantId)}/working-hours/next-working-instant?${query}`),
      );
    } catch (err) {
      setPreview(null);
      setProblem(asProblem(err));
    }
  }

  return (
    <form className="card" onSubmit={run} data-testid="preview">
      <h2>Next working instant</h2>
      <p className="muted">For the saved calendar: when would a working-hours lock requested at this time start?</p>
      <div className="inline-form">
        <label>
          Requested at (your local time)
          <input type="datetime-local" name="at" value={at} onChange={(e) => setAt(e.target.value)} required />
        </label>
        <button type="submit">Preview</button>
      </div>
      {preview && (
        <p className="preview-answer">
          {preview.isWorkingInstant
            ? `${preview.atLocal} (${preview.timeZone}) is inside working hours: it starts at once.`
            : preview.nextWorkingInstant
              ? `Next working instant: ${preview.nextWorkingInstantLocal} (${preview.timeZone}) = ${formatTime(preview.nextWorkingInstant)} your time.`
              : 'No working window opens within 400 days.'}
        </p>
      )}
      <ProblemBox problem={problem} />
    </form>
  );
}

/** A Date as the value of a datetime-local input (local wall time, minutes). */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
