// Responses that stay open (event streams, large downloads). While one runs, its API key is looked up again at the
// key cache's pace, so a revocation ends it within a second like any later request; it also ends when the API
// starts draining, and when it has been open longer than allowed.
import type { Request, Response } from 'express';
import type { ApiDrain } from './drain';
import { ProblemError } from './problem';

export type LongLivedEnd = 'revoked' | 'draining' | 'expired';

export interface LongLivedSettings {
  /** The key cache's trust period (AUTH_CACHE_TTL_MS): a revocation must reach the response within it. */
  keyCacheTtlMs: number;
  /** The longest the response may stay open; null: as long as it likes. */
  maxOpenMs: number | null;
  /** Ends the response when the API starts draining; null: it may finish within the grace period like any request. */
  drain: ApiDrain | null;
}

/**
 * How often an open response rechecks its key. Checking every third of the cache's trust period, and trusting a
 * check only that long, ends the response at most two thirds of it (plus one lookup) after the key is revoked.
 */
export function keyRecheckIntervalMs(keyCacheTtlMs: number): number {
  return Math.max(100, Math.floor(keyCacheTtlMs / 3));
}

/**
 * Calls `onEnd` once when the response must end for one of the reasons above; returns the function that stops
 * watching (call it when the response ends on its own). A failed lookup (database down) does not end the response:
 * the next check tries again.
 */
export function watchLongLivedResponse(
  req: Request,
  res: Response,
  settings: LongLivedSettings,
  onEnd: (why: LongLivedEnd) => void,
): () => void {
  const everyMs = keyRecheckIntervalMs(settings.keyCacheTtlMs);
  const openedAt = Date.now();
  let ended = false;
  let checking = false;
  const end = (why: LongLivedEnd) => {
    if (ended) return;
    stop();
    onEnd(why);
  };
  const timer = setInterval(() => {
    if (settings.drain?.draining) return end('draining');
    if (settings.maxOpenMs !== null && Date.now() - openedAt >= settings.maxOpenMs) return end('expired');
    if (checking || !req.recheckKey) return;
    checking = true;
    req
      .recheckKey(everyMs)
      .then((valid) => {
        if (!valid) end('revoked');
      })
      .catch(() => undefined)
      .finally(() => {
        checking = false;
      });
  }, everyMs);
  function stop() {
    ended = true;
    clearInterval(timer);
  }
  res.once('close', stop);
  return stop;
}

/** The problem a long-lived response ends with, as its last event or in the log. */
export function problemOfEnd(why: LongLivedEnd, maxOpenMs: number | null, reopen: string): ProblemError {
  switch (why) {
    case 'revoked':
      return new ProblemError(401, 'UNAUTHENTICATED', 'the API key was revoked while this response was open; sign in with a valid key');
    case 'draining':
      return new ProblemError(503, 'SERVICE_UNAVAILABLE', `this API instance is shutting down; ${reopen}`);
    case 'expired':
      return new ProblemError(
        503,
        'STREAM_EXPIRED',
        `the response was open for its limit of ${Math.round((maxOpenMs ?? 0) / 1000)} s; ${reopen}`,
      );
  }
}
