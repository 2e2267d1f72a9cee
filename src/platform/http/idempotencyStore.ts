// Idempotency keys of single writes (t_idempotency_key): a key is claimed with a hash of its request,
// and the first request's answer is kept so a repeat gets it again without anything being done twice.
import { Pool } from 'pg';

export interface IdempotencyScope {
  tenantId: string;
  /** Method and path template, e.g. "POST /v1/devices/{uid}/workflow". */
  endpoint: string;
  /** What the request acts on, e.g. "<tenant>/<device UID>". */
  target: string;
  key: string;
}

export interface StoredAnswer {
  status: number;
  body: unknown;
}

export type IdempotencyClaim =
  /** First use of the key (or a repeat of a first request that has no answer yet): do the work. */
  | { kind: 'do' }
  /** A repeat of an answered request: send this answer, do nothing. */
  | { kind: 'answered'; answer: StoredAnswer }
  /** The key was first used for a different request. */
  | { kind: 'reused'; firstRequest: { requestLine: string; at: Date } };

export async function claimIdempotencyKey(
  pool: Pool,
  scope: IdempotencyScope,
  request: { hash: string; requestLine: string },
): Promise<IdempotencyClaim> {
  const params = [scope.tenantId, scope.endpoint, scope.target, scope.key];
  const inserted = await pool.query(
    `INSERT INTO t_idempotency_key (tenant_id, endpoint, target, key, request_hash, request_line) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING`,
    [...params, request.hash, request.requestLine],
  );
  if (inserted.rowCount === 1) return { kind: 'do' };
  const { rows } = await pool.query(
    `SELECT request_hash, request_line, answer_status, answer_body, created_at FROM t_idempotency_key
      WHERE tenant_id = $1 AND endpoint = $2 AND target = $3 AND key = $4`,
    params,
  );
  const first = rows[0];
  if (!first) return { kind: 'do' }; // released meanwhile
  if (first.request_hash !== request.hash)
    return { kind: 'reused', firstRequest: { requestLine: first.request_line, at: first.created_at } };
  return first.answer_status === null
    ? { kind: 'do' }
    : { kind: 'answered', answer: { status: first.answer_status, body: first.answer_body } };
}

/** Keeps the answer of the key's request; repeats get it from now on. */
export async function recordIdempotentAnswer(pool: Pool, scope: IdempotencyScope, answer: StoredAnswer): Promise<void> {
  await pool.query(
    `UPDATE t_idempotency_key SET answer_status = $5, answer_body = $6
      WHERE tenant_id = $1 AND endpoint = $2 AND target = $3 AND key = $4 AND answer_status IS NULL`,
    [scope.tenantId, scope.endpoint, scope.target, scope.key, answer.status, JSON.stringify(answer.body)],
  );
}
