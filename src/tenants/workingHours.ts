// Tenant working-hours calendars: validation, and the next instant at which work (e.g. a lock) may run, across DST.

import { isValidTimeZone, localDateTime, wallTimeConverter } from './timeZone';

export const WEEKDAYS = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
type Weekday = (typeof WEEKDAYS)[number];

/** Local weekly opening window; `end` is exclusive and may be '24:00' (ends at midnight). */
export interface WeeklyWindow {
  day: Weekday;
  start: string;
  end: string;
}

export interface WorkingHoursCalendar {
  /** IANA zone, e.g. 'Europe/Berlin'. */
  timeZone: string;
  windows: WeeklyWindow[];
  /** Local dates 'YYYY-MM-DD' on which no window opens. */
  holidays: string[];
}

interface CalendarFieldError {
  field: string;
  message: string;
}

export type CalendarValidation = { ok: true; calendar: WorkingHoursCalendar } | { ok: false; errors: CalendarFieldError[] };

const MAX_WINDOWS = 100;
const MAX_HOLIDAYS = 1000;
/** Beyond this horizon a calendar is treated as never open (e.g. every day a holiday). */
const SEARCH_HORIZON_DAYS = 400;

const MINUTE_MS = 60 * 1000;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MIDNIGHT_END = '24:00';
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function dateProblem(text: string): string | undefined {
  const match = DATE.exec(text);
  if (!match) return `${JSON.stringify(text)} is not a date in YYYY-MM-DD format`;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const daysInMonth = [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (daysInMonth === undefined || day < 1 || day > daysInMonth) return `${text} is not a real calendar date`;
  return undefined;
}

export function validateCalendar(input: unknown): CalendarValidation {
  if (!isRecord(input)) {
    return { ok: false, errors: [{ field: 'calendar', message: `a calendar must be an object, got ${show(input)}` }] };
  }
  const errors: CalendarFieldError[] = [];
  const timeZone = validateTimeZone(input.timeZone, errors);
  const windows = validateWindows(input.windows, errors);
  const holidays = validateHolidays(input.holidays, errors);
  if (timeZone === undefined || windows === undefined || holidays === undefined || errors.length > 0) return { ok: false, errors };
  return { ok: true, calendar: { timeZone, windows, holidays } };
}

function validateTimeZone(value: unknown, errors: CalendarFieldError[]): string | undefined {
  if (typeof value !== 'string' || value === '') {
    errors.push({ field: 'timeZone', message: `timeZone must be an IANA time zone name such as "Europe/Berlin", got ${show(value)}` });
    return undefined;
  }
  if (!isValidTimeZone(value)) {
    errors.push({ field: 'timeZone', message: `unknown time zone ${JSON.stringify(value)}` });
    return undefined;
  }
  return value;
}

interface ParsedWindow {
  index: number;
  window: WeeklyWindow;
  start: number;
  end: number;
}

const label = (w: WeeklyWindow): string => `${w.day} ${w.start}-${w.end}`;
const byDayThenStart = (a: ParsedWindow, b: ParsedWindow): number =>
  WEEKDAYS.indexOf(a.window.day) - WEEKDAYS.indexOf(b.window.day) || a.start - b.start;

function validateWindows(value: unknown, errors: CalendarFieldError[]): WeeklyWindow[] | undefined {
  if (!Array.isArray(value)) {
    errors.push({ field: 'windows', message: `windows must be an array, got ${show(value)}` });
    return undefined;
  }
  // Rejected outright: per-item checks on an oversized payload would only bury this one error.
  if (value.length > MAX_WINDOWS) {
    errors.push({ field: 'windows', message: `at most ${MAX_WINDOWS} windows are allowed, got ${value.length}` });
    return undefined;
  }
  const parsed: ParsedWindow[] = [];
  value.forEach((raw: unknown, index) => {
    const window = validateWindow(raw, `windows[${index}]`, errors);
    if (window) parsed.push({ index, window, start: minutesOf(window.start), end: minutesOf(window.end) });
  });
  parsed.sort(byDayThenStart);

  // Compare with the latest-ending window so far, not just the neighbour: a long window can span several short ones.
  let reach: ParsedWindow | undefined;
  for (const current of parsed) {
    if (reach === undefined || reach.window.day !== current.window.day) {
      reach = current;
      continue;
    }
    if (current.start < reach.end) {
      errors.push({
        field: `windows[${current.index}]`,
        message: `${label(current.window)} overlaps windows[${reach.index}] ${label(reach.window)}`,
      });
    }
    if (current.end > reach.end) reach = current;
  }
  return parsed.map((p) => p.window);
}

function validateWindow(raw: unknown, path: string, errors: CalendarFieldError[]): WeeklyWindow | undefined {
  if (!isRecord(raw)) {
    errors.push({ field: path, message: `a window must be an object with day, start and end, got ${show(raw)}` });
    return undefined;
  }
  const { day, start, end } = raw;
  const before = errors.length;
  if (typeof day !== 'string' || !(WEEKDAYS as readonly string[]).includes(day)) {
    errors.push({ field: `${path}.day`, message: `day ${show(day)} is not one of ${WEEKDAYS.join(', ')}` });
  }
  if (start === MIDNIGHT_END) {
    errors.push({ field: `${path}.start`, message: 'start 24:00 is not allowed: 24:00 may only be used as an end' });
  } else if (typeof start !== 'string' || !TIME.test(start)) {
    errors.push({ field: `${path}.start`, message: `start ${show(start)} is not a time in HH:MM (00:00-23:59)` });
  }
  if (typeof end !== 'string' || !(TIME.test(end) || end === MIDNIGHT_END)) {
    errors.push({ field: `${path}.end`, message: `end ${show(end)} is not a time in HH:MM (00:00-23:59, or 24:00 for midnight)` });
  }
  if (errors.length > before) return undefined;
  const window = { day: day as Weekday, start: start as string, end: end as string };
  if (minutesOf(window.start) >= minutesOf(window.end)) {
    errors.push({ field: `${path}.end`, message: `end ${window.end} is not after start ${window.start}` });
    return undefined;
  }
  return window;
}

function validateHolidays(value: unknown, errors: CalendarFieldError[]): string[] | undefined {
  if (!Array.isArray(value)) {
    errors.push({ field: 'holidays', message: `holidays must be an array of "YYYY-MM-DD" dates, got ${show(value)}` });
    return undefined;
  }
  if (value.length > MAX_HOLIDAYS) {
    errors.push({ field: 'holidays', message: `at most ${MAX_HOLIDAYS} holidays are allowed, got ${value.length}` });
    return undefined;
  }
  const firstSeen = new Map<string, number>();
  value.forEach((raw: unknown, index) => {
    const field = `holidays[${index}]`;
    if (typeof raw !== 'string') {
      errors.push({ field, message: `${show(raw)} is not a date in YYYY-MM-DD format` });
      return;
    }
    const problem = dateProblem(raw);
    if (problem !== undefined) {
      errors.push({ field, message: problem });
      return;
    }
    const seen = firstSeen.get(raw);
    if (seen === undefined) firstSeen.set(raw, index);
    else errors.push({ field, message: `${raw} duplicates holidays[${seen}]` });
  });
  return value.filter((raw): raw is string => typeof raw === 'string');
}

interface IndexedWindow {
  start: number;
  end: number;
  text: string;
}

interface CalendarIndex {
  /** Indexed MON=0 .. SUN=6, each sorted by start. */
  byWeekday: IndexedWindow[][];
  holidays: ReadonlySet<string>;
}

// Calendars are treated as immutable values; indexing once per object keeps repeated lookups cheap.
const indexes = new WeakMap<WorkingHoursCalendar, CalendarIndex>();

function indexOf(calendar: WorkingHoursCalendar): CalendarIndex {
  let index = indexes.get(calendar);
  if (index === undefined) {
    const byWeekday: IndexedWindow[][] = WEEKDAYS.map(() => []);
    for (const w of calendar.windows) {
      byWeekday[WEEKDAYS.indexOf(w.day)]?.push({ start: minutesOf(w.start), end: minutesOf(w.end), text: `${w.start}-${w.end}` });
    }
    for (const day of byWeekday) day.sort((a, b) => a.start - b.start);
    index = { byWeekday, holidays: new Set(calendar.holidays) };
    indexes.set(calendar, index);
  }
  return index;
}

/**
 * `at` itself if it lies inside a window on a non-holiday local date, otherwise the instant the next such
 * window opens; null if the calendar has no windows or none opens within SEARCH_HORIZON_DAYS.
 * A window opening inside a spring-forward gap opens when the gap ends; an ambiguous (fall-back) wall time
 * means its first occurrence, so a window runs once, as one interval, even when its hours repeat.
 */
export function nextWorkingInstant(calendar: WorkingHoursCalendar, at: Date): Date | null {
  const span = nextWorkingSpan(calendar, at);
  return span ? new Date(span.from) : null;
}

/**
 * The working window `at` lies in, or the next one to open, as instants (epoch ms): from `at` (or the
 * window's opening) until the window closes. Windows that touch (a day's last and the next day's first)
 * are two spans. Null as for nextWorkingInstant.
 */
export function nextWorkingSpan(calendar: WorkingHoursCalendar, at: Date): { from: number; until: number } | null {
  const t = at.getTime();
  if (Number.isNaN(t)) throw new RangeError('nextWorkingInstant needs a valid Date');
  const { byWeekday, holidays } = indexOf(calendar);
  if (byWeekday.every((day) => day.length === 0)) return null;

  const today = localDateTime(t, calendar.timeZone);
  for (let offset = 0; offset <= SEARCH_HORIZON_DAYS; offset++) {
    // Calendar arithmetic on a UTC-encoded local date: no DST can disturb day stepping here.
    const midnight = Date.UTC(today.year, today.month - 1, today.day + offset);
    const windows = byWeekday[(new Date(midnight).getUTCDay() + 6) % 7] ?? [];
    if (windows.length === 0 || holidays.has(new Date(midnight).toISOString().slice(0, 10))) continue;
    const toInstant = wallTimeConverter(midnight, calendar.timeZone);
    for (const w of windows) {
      const end = toInstant(midnight + w.end * MINUTE_MS);
      if (end <= t) continue;
      const start = toInstant(midnight + w.start * MINUTE_MS);
      // A window lying wholly inside a spring-forward gap never opens.
      if (start >= end) continue;
      return { from: Math.max(start, t), until: end };
    }
  }
  return null;
}

export function isWorkingInstant(calendar: WorkingHoursCalendar, at: Date): boolean {
  return nextWorkingInstant(calendar, at)?.getTime() === at.getTime();
}

/** One-line summary, e.g. "Europe/Berlin: MON-FRI 08:00-17:30, SAT 08:00-12:00; 3 holidays". */
export function describeCalendar(calendar: WorkingHoursCalendar): string {
  const perDay = indexOf(calendar).byWeekday.map((windows) => windows.map((w) => w.text).join(' & '));
  const groups: string[] = [];
  for (let first = 0; first < perDay.length; first++) {
    const hours = perDay[first];
    if (!hours) continue;
    let last = first;
    while (last + 1 < perDay.length && perDay[last + 1] === hours) last++;
    groups.push(`${first === last ? WEEKDAYS[first] : `${WEEKDAYS[first]}-${WEEKDAYS[last]}`} ${hours}`);
    first = last;
  }
  const count = calendar.holidays.length;
  const hours = groups.length > 0 ? groups.join(', ') : 'no working hours';
  return `${calendar.timeZone}: ${hours}; ${count} ${count === 1 ? 'holiday' : 'holidays'}`;
}
