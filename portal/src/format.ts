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
