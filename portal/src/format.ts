// Numbers, durations and times as operators read them.

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** 75_000 → "1 min 15 s"; 3_700_000 → "1 h 1 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${seconds} s`;
  return `${seconds} s`;
}

/** A countdown clock: 0:59, 12:03, 1:02:03 (whole seconds left, never more than are left). */
export function formatClock(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** "6 Dec 2026, 09:15:02 Europe/Berlin": the instant's wall time in `timeZone`, the zone named. */
export function formatTimeIn(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone })} ${timeZone}`;
}

/** The same instant in the viewer's own zone, its offset named ("6 Dec 2026, 08:15:02 GMT"). */
export function formatViewerTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'long' });
}

/** The instant's UTC offset in `timeZone`, in ms (Berlin in winter: +3,600,000). */
function offsetIn(timeZone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * A datetime-local input's wall time ("2026-12-07T09:30" or "…:30:15") read in `timeZone`, as an ISO instant;
 * null when it is not one. A wall time a DST change skips reads with the offset before the change.
 */
export function zonedWallTimeToIso(value: string, timeZone: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((n) => Number(n ?? 0)) as number[];
  const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  // The offset at the wall time taken as UTC is the right one, except within a few hours of a DST change: ask again.
  const guess = wall - offsetIn(timeZone, wall);
  const instant = wall - offsetIn(timeZone, guess);
  return new Date(instant).toISOString();
}

/** An instant as a datetime-local input's value (to the second) in `timeZone`. */
export function isoToZonedWallTime(iso: string, timeZone: string): string {
  const instant = Date.parse(iso);
  return new Date(instant + offsetIn(timeZone, instant)).toISOString().slice(0, 19);
}
