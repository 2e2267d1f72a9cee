// JSON bodies nest at most MAX_JSON_DEPTH levels of objects and arrays. JSON.parse takes any depth, but the code
// after it (logging, Temporal's payloads, JSON.stringify) recurses and would fail with a stack overflow: a deep body
// is refused with 422 naming the limit before any route sees it.
import { RequestHandler } from 'express';
import { ProblemError } from './problem';

const MAX_JSON_DEPTH = 32;

/** Express middleware after the JSON parser. */
export const refuseDeepJson: RequestHandler = (req, _res, next) => {
  if (exceedsDepth(req.body, MAX_JSON_DEPTH)) {
    return next(
      new ProblemError(
        422,
        'VALIDATION_FAILED',
        `the JSON body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels, the limit; send a flatter body`,
      ),
    );
  }
  next();
};

/** True when `value` holds objects or arrays more than `limit` levels deep; walks without recursion. */
function exceedsDepth(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const { value: next, depth } = pending.pop()!;
    if (next === null || typeof next !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(next))
      if (child !== null && typeof child === 'object') pending.push({ value: child, depth: depth + 1 });
  }
  return false;
}
