// Query parameters are what the OpenAPI document says: a request naming one its operation does not
// declare is refused (400) before any route runs, so the document and the routes cannot drift apart
// unnoticed, and a typo never passes silently as "no filter". Paths are matched the way Express's router
// matches them (any letter case, an optional trailing slash), so `/v1/Batches/?bogus=1` is checked like
// `/v1/batches?bogus=1`: every request a route answers has had its query checked.
import { RequestHandler } from 'express';
import { ProblemError } from './problem';

interface Operation {
  parameters?: readonly { name: string; in: string }[];
}

interface DocumentedPath {
  pattern: RegExp;
  operations: Record<string, Operation | undefined>;
}

/** Middleware for the router mounted at the document's server URL (`/v1`). */
export function documentedQueryOnly(paths: Record<string, Record<string, Operation | unknown>>): RequestHandler {
  const documented: DocumentedPath[] = Object.entries(paths).map(([template, operations]) => ({
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`, 'i'),
    operations: operations as Record<string, Operation | undefined>,
  }));
  return (req, _res, next) => {
    const operation = documented.find((p) => p.pattern.test(req.path))?.operations[req.method.toLowerCase()];
    // Undocumented routes and methods end in 404/405 on their own; nothing to check here.
    if (!operation) return next();
    const accepted = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const unknown = Object.keys(req.query).filter((name) => !accepted.includes(name));
    if (unknown.length === 0) return next();
    const expected = accepted.length ? `; this operation accepts ${accepted.join(', ')}` : '; this operation takes no query parameters';
    next(new ProblemError(400, 'VALIDATION_FAILED', `unknown query parameter ${unknown.join(', ')}${expected}`));
  };
}
