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
