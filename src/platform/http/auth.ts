// API-key authentication: the key (X-API-Key or "Authorization: Bearer") is hashed and looked up;
// it maps to tenant, user and role, and requests are scoped to the caller's tenant tree. Valid keys
// are cached (bounded, rechecked every cacheTtlMs so a revoked key stops working within it); unknown
// keys are never cached, and an address that keeps failing gets 429 instead of more lookups, except for keys
// of the issued shape (a bounded number of lookups a second), so valid keys are not punished for bad ones.
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { hashApiKey, hasIssuedKeyShape, type KeyHolder, type Role } from '../../tenants/contract';
import { LruMap } from './lruMap';
import { ProblemError } from './problem';
import { FailedAuthLimiter } from './rateLimit';

export type { Role } from '../../tenants/contract';
export type Caller = KeyHolder;

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
    /**
     * Looks the request's key up again unless it was checked within `maxAgeMs`: false once it is revoked. Long-lived
     * responses (event streams, downloads) call it while they run, so a revocation reaches them too.
     */
    recheckKey?: (maxAgeMs: number) => Promise<boolean>;
  }
}

export interface AuthSettings {
  /** Valid keys kept in memory per API process. */
  cacheSize: number;
  /** How long a cached key is trusted before it is looked up again: the most a revocation waits. */
  cacheTtlMs: number;
}

/** Finds the holder of a key by its hash; null for an unknown or revoked key. */
export type KeyHolderLookup = (keyHash: string) => Promise<KeyHolder | null>;

interface CachedKey {
  holder: KeyHolder;
  checkedAt: number;
}

export interface Authenticator {
  middleware: RequestHandler;
  /** Keys in the cache now (never more than settings.cacheSize). */
  cachedKeys(): number;
}

export function createAuthenticator(
  lookup: KeyHolderLookup,
  settings: AuthSettings,
  failures: FailedAuthLimiter,
  now: () => number = Date.now,
): Authenticator {
  const cache = new LruMap<string, CachedKey>(settings.cacheSize);
  // Concurrent requests with the same uncached key share one lookup. A result counts from when its
  // lookup started: a lookup that overlaps a revocation must not extend the key's life.
  const inFlight = new Map<string, Promise<CachedKey | null>>();

  const lookupOnce = (hash: string): Promise<CachedKey | null> => {
    let pending = inFlight.get(hash);
    if (!pending) {
      const checkedAt = now();
      pending = lookup(hash)
        .then((holder) => (holder ? { holder, checkedAt } : null))
        .finally(() => inFlight.delete(hash));
      inFlight.set(hash, pending);
    }
    return pending;
  };

  const refuse = (address: string, res: Response, next: NextFunction, reason: string) => {
    const retryAfter = failures.recordFailure(address);
    if (retryAfter !== null) return next(tooManyFailures(res, retryAfter));
    next(new ProblemError(401, 'UNAUTHENTICATED', reason));
  };

  /** Shared by every open response of one key: one lookup per key however many streams it holds open. */
  const recheck = async (hash: string, maxAgeMs: number): Promise<boolean> => {
    const cached = cache.get(hash);
    if (cached && now() - cached.checkedAt < maxAgeMs) return true;
    const found = await lookupOnce(hash);
    if (!found) {
      cache.delete(hash);
      return false;
    }
    const newest = cache.get(hash);
    if (!newest || newest.checkedAt < found.checkedAt) cache.set(hash, found);
    return true;
  };

  const middleware: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const key = presentedKey(req);
    if (!key) return refuse(address, res, next, 'missing API key: send it in the X-API-Key header');
    const hash = hashApiKey(key);
    const cached = cache.get(hash);
    req.recheckKey = (maxAgeMs) => recheck(hash, maxAgeMs);
    if (cached && now() - cached.checkedAt < settings.cacheTtlMs) {
      req.caller = cached.holder;
      return next();
    }
    // A throttled address still gets a lookup for a key this process has seen valid (it may have been revoked)
    // and, within a process-wide budget, for a key with the issued shape: others' failures behind the same
    // address (a NAT, a proxy) or an API restart do not lock out valid keys. Anything else waits unlooked-up.
    if (!cached) {
      const retryAfter = failures.retryAfterSeconds(address);
      if (retryAfter !== null && !(hasIssuedKeyShape(key) && failures.takeShapedLookup())) return next(tooManyFailures(res, retryAfter));
    }
    lookupOnce(hash)
      .then((found) => {
        if (!found) {
          cache.delete(hash);
          return refuse(address, res, next, 'unknown or revoked API key');
        }
        cache.set(hash, found);
        req.caller = found.holder;
        next();
      })
      .catch(next);
  };

  return { middleware, cachedKeys: () => cache.size };
}

function tooManyFailures(res: Response, retryAfterSeconds: number): ProblemError {
  res.set('Retry-After', String(retryAfterSeconds));
  return new ProblemError(
    429,
    'TOO_MANY_FAILED_AUTHENTICATIONS',
    `too many requests with a missing, unknown or revoked API key from this address; retry after ${retryAfterSeconds} s with a valid key`,
  );
}

/** Refuses callers whose role is not listed. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    const role = req.caller?.role;
    if (!role || !roles.includes(role)) {
      return next(
        new ProblemError(403, 'FORBIDDEN', `this operation needs role ${roles.join(' or ')}; the API key has role ${role ?? 'none'}`),
      );
    }
    next();
  };
}

export function callerOf(req: Request): Caller {
  if (!req.caller) throw new ProblemError(401, 'UNAUTHENTICATED', 'request is not authenticated');
  return req.caller;
}

function presentedKey(req: Request): string | undefined {
  const header = req.get('x-api-key');
  if (header) return header.trim();
  const auth = req.get('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return undefined;
}
