// Idempotency keys of single writes (SPEC §6): one row per (tenant, endpoint, target, key) with a hash of
// the first request and, once there is one, its answer.
export const id = '006_idempotency_keys';
export const sql = `
CREATE TABLE t_idempotency_key (
  tenant_id      text NOT NULL,
  endpoint       text NOT NULL,                -- e.g. POST /v1/devices/{uid}/workflow
  target         text NOT NULL,                -- what the request acts on, e.g. <tenant>/<device UID>
  key            text NOT NULL,
  request_hash   text NOT NULL,                -- sha256 of the request's meaningful parts
  request_line   text NOT NULL,                -- the first request as the caller sent it, to name it in a 422
  answer_status  integer,                      -- null until the first request has an answer
  answer_body    jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, endpoint, target, key)
);
`;
