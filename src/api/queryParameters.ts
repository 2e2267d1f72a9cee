// Query-string reading for routes: a parameter the route does not know is refused (400), so a typo
// or a parameter the OpenAPI document does not offer never passes silently as "no filter".
import { Request } from 'express';
import { ProblemError } from './problem';

/** The query's single-valued strings, after refusing names outside `accepted` and repeated names. */
export function queryOf(req: Request, accepted: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (!accepted.includes(name)) {
      const expected = accepted.length ? `; this route accepts ${accepted.join(', ')}` : '; this route takes no query parameters';
      throw new ProblemError(400, 'VALIDATION_FAILED', `unknown query parameter ${name}${expected}`);
    }
    if (typeof value !== 'string') throw new ProblemError(400, 'VALIDATION_FAILED', `query parameter ${name} must be given once`);
    out[name] = value === '' ? undefined : value;
  }
  return out;
}

/** An integer page size in [1, max]; `fallback` when absent. */
export function limitOf(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new ProblemError(400, 'VALIDATION_FAILED', `limit must be an integer from 1 to ${max}`);
  return n;
}

/** An ISO 8601 date-time with a time zone (e.g. 2026-11-29T00:00:00Z), or undefined. */
export function instantOf(value: string | undefined, name: string): Date | null {
  if (value === undefined) return null;
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime())) {
    throw new ProblemError(400, 'VALIDATION_FAILED', `${name} must be an ISO 8601 date-time with a time zone, e.g. 2026-11-29T00:00:00Z`);
  }
  return at;
}
