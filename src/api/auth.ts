// API-key authentication: the key (X-API-Key or "Authorization: Bearer") is hashed and looked up;
// it maps to tenant, user and role. Requests are scoped to the caller's tenant tree.
import { createHash, randomBytes } from 'node:crypto';
import { NextFunction, Request, RequestHandler, Response } from 'express';
import { Pool } from 'pg';
import { ProblemError } from './problem';

export type Role = 'operator' | 'device_gateway' | 'read_only';

export interface Caller {
  tenantId: string;
  userId: string;
  role: Role;
  /** The caller's tenant and every workspace under it. */
  tenantTree: string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    caller?: Caller;
  }
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateApiKey(): string {
  return `do_${randomBytes(24).toString('base64url')}`;
}

const CACHE_MS = 30_000;

export function authenticate(pool: Pool): RequestHandler {
  const cache = new Map<string, { caller: Caller | null; until: number }>();
  return (req: Request, _res: Response, next: NextFunction) => {
    const key = presentedKey(req);
    if (!key) return next(new ProblemError(401, 'UNAUTHENTICATED', 'missing API key: send it in the X-API-Key header'));
    const hash = hashApiKey(key);
    const hit = cache.get(hash);
    const lookup = hit && hit.until > Date.now() ? Promise.resolve(hit.caller) : loadCaller(pool, hash);
    lookup
      .then((caller) => {
        cache.set(hash, { caller, until: Date.now() + CACHE_MS });
        if (!caller) return next(new ProblemError(401, 'UNAUTHENTICATED', 'unknown or revoked API key'));
        req.caller = caller;
        next();
      })
      .catch(next);
  };
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

async function loadCaller(pool: Pool, keyHash: string): Promise<Caller | null> {
  const { rows } = await pool.query<{ tenant_id: string; user_id: string; role: Role; tree: string[] }>(
    `WITH RECURSIVE k AS (
       SELECT tenant_id, user_id, role FROM t_api_key WHERE key_hash = $1 AND revoked_at IS NULL
     ), tree AS (
       SELECT t.id FROM t_tenant t JOIN k ON t.id = k.tenant_id
       UNION
       SELECT c.id FROM t_tenant c JOIN tree ON c.parent_id = tree.id
     )
     SELECT k.tenant_id, k.user_id, k.role, ARRAY(SELECT id FROM tree) AS tree FROM k`,
    [keyHash],
  );
  const row = rows[0];
  return row ? { tenantId: row.tenant_id, userId: row.user_id, role: row.role, tenantTree: row.tree } : null;
}
