// Idempotency-Key for single writes (SPEC §6), scoped to (tenant, endpoint, target): the same key with
// the same request answers the first answer and does nothing again; with a different request it is 422
// IDEMPOTENCY_KEY_REUSED naming the first request, and nothing changes. Routes wrap their work in
// `answerOnce`; a failure of ours (5xx) is not kept, so a repeat does the (idempotent) work again.
import { createHash } from 'node:crypto';
import { Request, Response } from 'express';
import type { Pool } from 'pg';
import { IdempotencyScope, StoredAnswer, claimIdempotencyKey, recordIdempotentAnswer } from './idempotencyStore';
import { ProblemError, problemBody } from './problem';

const MAX_KEY_LENGTH = 200;

/** The request's Idempotency-Key, or null; a key over 200 characters is a 400. */
export function idempotencyKeyOf(req: Request): string | null {
  const key = req.get('idempotency-key')?.trim();
  if (!key) return null;
  if (key.length > MAX_KEY_LENGTH) {
    throw new ProblemError(400, 'VALIDATION_FAILED', `Idempotency-Key is longer than ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

/** A stable hash of what makes two requests the same (body fields, options, a file's digest). */
export function requestHash(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function keyReused(key: string, firstRequest: { requestLine: string; at: Date }): ProblemError {
  return new ProblemError(
    422,
    'IDEMPOTENCY_KEY_REUSED',
    `Idempotency-Key "${key}" was first used at ${firstRequest.at.toISOString()} for a different request (${firstRequest.requestLine}); nothing was done: send a new key for a new request`,
    { firstRequest: { request: firstRequest.requestLine, at: firstRequest.at.toISOString() } },
  );
}

/**
 * Sends `work`'s answer, or with an Idempotency-Key the first answer to this request. `fingerprint` is
 * what must match for a repeat to count as the same request.
 */
export async function answerOnce(
  pool: Pool,
  req: Request,
  res: Response,
  scope: { tenantId: string; endpoint: string; target: string },
  fingerprint: unknown,
  work: () => Promise<StoredAnswer>,
): Promise<void> {
  const key = idempotencyKeyOf(req);
  if (!key) return send(res, await work());
  const keyed: IdempotencyScope = { ...scope, key };
  const claim = await claimIdempotencyKey(pool, keyed, { hash: requestHash(fingerprint), requestLine: `${req.method} ${req.originalUrl}` });
  if (claim.kind === 'reused') throw keyReused(key, claim.firstRequest);
  if (claim.kind === 'answered') {
    res.set('Idempotent-Replayed', 'true');
    return send(res, claim.answer);
  }
  let answer: StoredAnswer;
  try {
    answer = await work();
  } catch (err) {
    if (err instanceof ProblemError && err.status < 500) {
      await recordIdempotentAnswer(pool, keyed, { status: err.status, body: problemBody(err) });
    }
    throw err;
  }
  await recordIdempotentAnswer(pool, keyed, answer);
  send(res, answer);
}

function send(res: Response, answer: StoredAnswer): void {
  res.status(answer.status);
  if (answer.status >= 400) res.type('application/problem+json');
  res.json(answer.body);
}
