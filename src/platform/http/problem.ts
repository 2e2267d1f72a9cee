// application/problem+json errors (RFC 9457) with a stable `code` the caller can branch on.
import { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ApiErrorCode, DeviceResultCode } from '../errorCodes';
import type { Logger } from '../logger';
import { requestIdOf } from './requestId';

export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode | DeviceResultCode,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    /** What went wrong underneath (a driver or Temporal error): logged with the request id, never sent. */
    override readonly cause?: unknown,
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export const problemTitles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(res: Response, problem: ProblemError): void {
  res
    .status(problem.status)
    .type('application/problem+json')
    .json({ ...problemBody(problem), requestId: requestIdOf(res) });
}

/** The problem+json body, without the request id (an answer kept for a repeated Idempotency-Key). */
export function problemBody(problem: ProblemError): Record<string, unknown> {
  return {
    type: `about:blank`,
    title: problemTitles[problem.status] ?? 'Error',
    status: problem.status,
    code: problem.code,
    detail: problem.detail,
    ...problem.extra,
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendProblem(res, new ProblemError(404, 'NOT_FOUND', `no route for ${req.method} ${req.path}`));
};

/** Turns thrown errors into problem+json; body-parser's own errors get their specific status. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    void _next;
    if (res.headersSent) return;
    if (err instanceof ProblemError) {
      if (err.cause !== undefined) log.warn({ err: err.cause, requestId: requestIdOf(res), code: err.code }, err.detail);
      return sendProblem(res, err);
    }
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') {
      return sendProblem(
        res,
        new ProblemError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${(err as { limit?: number }).limit} bytes`),
      );
    }
    if (type === 'entity.parse.failed') {
      return sendProblem(res, new ProblemError(400, 'VALIDATION_FAILED', 'request body is not valid JSON'));
    }
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
      return sendProblem(res, new ProblemError(415, 'UNSUPPORTED_MEDIA_TYPE', (err as Error).message));
    }
    log.error({ err, requestId: requestIdOf(res), method: req.method, path: req.path }, 'unhandled error');
    sendProblem(res, new ProblemError(500, 'INTERNAL_ERROR', 'an unexpected error occurred; it has been logged'));
  };
}
