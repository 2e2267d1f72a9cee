// The fields of a working-hours calendar: its time zone, weekly windows and holidays. Each takes its part
// of the calendar and gives back the changed part; `editable` adds the add and remove buttons.
import type { Weekday, WorkingHoursCalendar } from '../api/types';
import { Table, unseen } from './Table';

const DAYS: Weekday[] = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
const NEW_WINDOW: Window = { day: 'MON', start: '08:00', end: '17:00' };

type Window = WorkingHoursCalendar['windows'][number];

const replaceAt = <T,>(list: T[], index: number, item: T) => list.map((x, i) => (i === index ? item : x));
const removeAt = <T,>(list: T[], index: number) => list.filter((_, i) => i !== index);

function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.('timeZone') ?? [];
}

export function TimeZoneField({ timeZone, onChange }: { timeZone: string; onChange: (timeZone: string) => void }) {
  return (
    <label>
      Time zone
      <input
        name="timeZone"
        list="time-zones"
        value={timeZone}
        onChange={(e) => onChange(e.target.value)}
        placeholder="e.g. Europe/Berlin"
        required
      />
      <datalist id="time-zones">
        {timeZones().map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </label>
  );
}

interface ListProps<T> {
  editable: boolean;
  onChange: (list: T[]) => void;
}

export function WeeklyWindows({ windows, editable, onChange }: ListProps<Window> & { windows: Window[] }) {
  return (
    <>
      <h2>Weekly windows</h2>
      <Table label="Weekly windows" className="windows" columns={['day', 'from', 'until', unseen('remove')]}>
        {windows.map((w, i) => (
          <WindowRow
            key={i}
            number={i + 1}
            value={w}
            onChange={(changed) => onChange(replaceAt(windows, i, changed))}
            onRemove={editable ? () => onChange(removeAt(windows, i)) : null}
          />
        ))}
      </Table>
      {editable && (
        <button type="button" onClick={() => onChange([...windows, NEW_WINDOW])}>
          Add window
        </button>
      )}
    </>
  );
}

interface WindowRowProps {
  number: number;
  value: Window;
  onChange: (w: Window) => void;
  onRemove: (() => void) | null;
}

function WindowRow({ number, value: w, onChange, onRemove }: WindowRowProps) {
  return (
    <tr>
      <td>
        <select value={w.day} onChange={(e) => onChange({ ...w, day: e.target.value as Weekday })} aria-label={`day of window ${number}`}>
          {DAYS.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
      </td>
      <td>
        <input
          value={w.start}
          onChange={(e) => onChange({ ...w, start: e.target.value })}
          pattern="\d\d:\d\d"
          size={5}
          aria-label={`window ${number} from`}
        />
      </td>
      <td>
        <input
          value={w.end}
          onChange={(e) => onChange({ ...w, end: e.target.value })}
          pattern="\d\d:\d\d"
          size={5}
          aria-label={`window ${number} until`}
        />
      </td>
      <td>{onRemove && <RemoveButton what={`window ${number} (${w.day} ${w.start}–${w.end})`} onClick={onRemove} />}</td>
    </tr>
  );
}

export function Holidays({ holidays, editable, onChange }: ListProps<string> & { holidays: string[] }) {
  return (
    <>
      <h2>Holidays</h2>
      <ul className="holidays">
        {holidays.map((day, i) => (
          <li key={i}>
            <input
              type="date"
              value={day}
              aria-label={`holiday ${i + 1}`}
              onChange={(e) => onChange(replaceAt(holidays, i, e.target.value))}
            />
            {editable && <RemoveButton what={`holiday ${day}`} onClick={() => onChange(removeAt(holidays, i))} />}
          </li>
        ))}
      </ul>
      {editable && (
        <button type="button" onClick={() => onChange([...holidays, new Date().toISOString().slice(0, 10)])}>
          Add holiday
        </button>
      )}
    </>
  );
}

/** "remove", named for what it removes: a screen reader's list of buttons tells them apart. */
function RemoveButton({ what, onClick }: { what: string; onClick: () => void }) {
  return (
    <button type="button" className="link-button" onClick={onClick} aria-label={`remove ${what}`}>
      remove
    </button>
  );
}
