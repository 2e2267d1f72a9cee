// Every request has an id: the caller's X-Request-Id when it is a sane token, else a new UUID. It goes
// back in the X-Request-Id header and in problem answers, and every log line about the request carries
// it, so an operator finds the detail behind a caller's "request 1f0c… failed".
import { randomUUID } from 'node:crypto';
import { RequestHandler, Response } from 'express';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const assignRequestId: RequestHandler = (req, res, next) => {
  const offered = req.get('x-request-id');
  const requestId = offered !== undefined && SANE_REQUEST_ID.test(offered) ? offered : randomUUID();
  res.locals.requestId = requestId;
  res.set('X-Request-Id', requestId);
  next();
};

export function requestIdOf(res: Response): string | undefined {
  return res.locals.requestId as string | undefined;
}
