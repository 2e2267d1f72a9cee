// Query-string values for routes: single values, page sizes and instants, with a 400 that says what to send.
import { Request } from 'express';
import { ProblemError } from './problem';

/** The query's values, each given at most once; an empty value counts as absent. Names are checked against the OpenAPI document (documentedQuery.ts). */
export function queryOf(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (typeof value !== 'string') throw new ProblemError(400, 'VALIDATION_FAILED', `query parameter ${name} must be given once`);
    out[name] = value === '' ? undefined : value;
  }
  return out;
}

/** The request's query with `cursor` set to the next page's: what a page's `links.next` carries. */
export function nextPageQuery(req: Request, cursor: string): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) if (typeof value === 'string' && name !== 'cursor') params.set(name, value);
  params.set('cursor', cursor);
  return params.toString();
}

/** An integer page size in [1, max]; `fallback` when absent. */
export function limitOf(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ProblemError(400, 'VALIDATION_FAILED', `limit must be an integer from 1 to ${max}`);
  return n;
}

/** An ISO 8601 date-time with a time zone (e.g. 2026-11-29T00:00:00Z), or null when absent; anything else is 400. */
export function instantOf(value: string | undefined, name: string): Date | null {
  if (value === undefined) return null;
  const at = strictInstant(value);
  if (!at) {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      `${name} must be an ISO 8601 date-time with a time zone from year 0001 to 9999, e.g. 2026-11-29T00:00:00Z or 2026-11-29T01:00:00+01:00; got ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return at;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant `text` names, read strictly: every field present in range (no 2026-02-30, no hour 24), an offset
 * required, years 0001–9999 only. Date's own parser takes far more (`0`, `-271821-04-20T00:00:00Z`, local times).
 */
function strictInstant(text: string): Date | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offsetHours = m[8] ? 0 : Number(m[10]);
  const offsetMinutes = m[8] ? 0 : Number(m[11]);
  if (year! < 1 || hour! > 23 || minute! > 59 || second! > 59 || offsetHours > 23 || offsetMinutes > 59) return null;
  const local = new Date(0);
  local.setUTCFullYear(year!, month! - 1, day!);
  local.setUTCHours(hour!, minute!, second!, millis);
  if (local.getUTCFullYear() !== year || local.getUTCMonth() !== month! - 1 || local.getUTCDate() !== day) return null;
  const sign = m[9] === '-' ? -1 : 1;
  return new Date(local.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}
