// Local wall-clock <-> absolute instant conversion for IANA time zones, using only Intl so that it stays pure and DST-correct.

/** A local wall-clock reading, month 1-12. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

// Building a DateTimeFormat costs far more than formatting with one, and this runs once per lock.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    // h23 rather than hour12:false, which renders midnight as "24" in some ICU versions.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

export function localDateTime(epochMs: number, timeZone: string): LocalDateTime {
  const local: LocalDateTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(epochMs)) {
    if (part.type in local) local[part.type as keyof LocalDateTime] = Number(part.value);
  }
  return local;
}

/** The local wall-clock reading at an instant, encoded as if it were a UTC epoch (whole seconds). */
function wallClockAt(epochMs: number, timeZone: string): number {
  const l = localDateTime(epochMs, timeZone);
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second);
}

/** UTC offset in ms at an instant (positive east of Greenwich). */
function offsetAt(epochMs: number, timeZone: string): number {
  const wholeSeconds = Math.floor(epochMs / 1000) * 1000;
  return wallClockAt(wholeSeconds, timeZone) - wholeSeconds;
}

/**
 * The instant at which local clocks in `timeZone` show `wallMs` (a wall-clock reading encoded as a UTC
 * epoch, e.g. Date.UTC(2026, 2, 8, 2, 30)). In a fall-back overlap the earlier instant wins; in a
 * spring-forward gap the result is the first instant after the gap (the transition itself).
 */
function localToInstant(wallMs: number, timeZone: string): number {
  // Offsets a day either side bracket any transition that can affect this wall time.
  const before = offsetAt(wallMs - DAY_MS, timeZone);
  const after = offsetAt(wallMs + DAY_MS, timeZone);
  if (before === after) return wallMs - before;

  const earlier = wallMs - Math.max(before, after);
  const later = wallMs - Math.min(before, after);
  if (wallClockAt(earlier, timeZone) === wallMs) return earlier;
  if (wallClockAt(later, timeZone) === wallMs) return later;

  // Nonexistent wall time: clocks read < wallMs at `earlier` and > wallMs at `later`; find the jump.
  let lo = earlier;
  let hi = later;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallClockAt(mid, timeZone) >= wallMs) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * localToInstant for wall times on one local date (its UTC-encoded midnight up to the next midnight).
 * Nearly every date has a single offset, found once here instead of per conversion.
 */
export function wallTimeConverter(midnightWallMs: number, timeZone: string): (wallMs: number) => number {
  // Offsets stay within ±14 h, so these two readings bracket every instant the date can map to.
  const before = offsetAt(midnightWallMs - DAY_MS, timeZone);
  const after = offsetAt(midnightWallMs + 2 * DAY_MS, timeZone);
  if (before === after) return (wallMs) => wallMs - before;
  return (wallMs) => localToInstant(wallMs, timeZone);
}
