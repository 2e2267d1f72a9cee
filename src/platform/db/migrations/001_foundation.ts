// Tenants, API keys, device inventory, batch bookkeeping and device history (SPEC §2).
export const id = '001_foundation';
export const sql = `
CREATE TABLE t_tenant (
  id          text PRIMARY KEY,
  parent_id   text REFERENCES t_tenant(id),
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE t_api_key (
  id          bigserial PRIMARY KEY,
  key_hash    text NOT NULL UNIQUE,          -- sha256 hex of the key; the key itself is never stored
  key_prefix  text NOT NULL,                 -- first characters, to tell keys apart in listings
  tenant_id   text NOT NULL REFERENCES t_tenant(id),
  user_id     text NOT NULL,
  role        text NOT NULL CHECK (role IN ('operator', 'device_gateway', 'read_only')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz
);

CREATE TABLE t_device (
  id                 bigserial PRIMARY KEY,
  uid                text NOT NULL,
  imei2              text,
  tenant_id          text NOT NULL REFERENCES t_tenant(id),
  state_id           smallint NOT NULL CHECK (state_id IN (1, 2, 4, 5, 6, 7)),
  previous_state_id  smallint CHECK (previous_state_id IN (1, 2, 4, 5, 6, 7)),
  service_type_id    smallint NOT NULL DEFAULT 1,
  device_type        smallint NOT NULL DEFAULT 1 CHECK (device_type IN (1, 2)),
  ext_fields         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX t_device_tenant_uid ON t_device (tenant_id, uid);
-- Devices are looked up by UID across a tenant tree, to tell "another tenant's" from "not found".
CREATE INDEX t_device_uid ON t_device (uid);

CREATE TABLE t_batch_action (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        text NOT NULL REFERENCES t_tenant(id),
  created_by       text NOT NULL,
  upload_channel   text NOT NULL CHECK (upload_channel IN ('PORTAL', 'API')),
  idempotency_key  text,
  ext_fields       jsonb NOT NULL DEFAULT '{}'::jsonb,
  status           text NOT NULL DEFAULT 'CREATED',
  counters         jsonb NOT NULL DEFAULT '{}'::jsonb,
  is_success       boolean,
  is_downloadable  boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz
);
CREATE UNIQUE INDEX t_batch_action_idempotency ON t_batch_action (tenant_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;

CREATE TABLE t_batch_action_device (
  id               bigserial PRIMARY KEY,
  batch_action_id  uuid NOT NULL REFERENCES t_batch_action(id),
  tenant_id        text NOT NULL,
  device_uid       text NOT NULL,
  device_id        bigint REFERENCES t_device(id),
  row_number       integer NOT NULL,
  status           text NOT NULL CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED')),
  is_success       boolean,
  result           jsonb,
  ext_fields       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
-- One row per file row; and one processable row per device and batch, so a device has exactly one result.
CREATE UNIQUE INDEX t_batch_action_device_row ON t_batch_action_device (batch_action_id, row_number);
CREATE UNIQUE INDEX t_batch_action_device_uid ON t_batch_action_device (batch_action_id, device_uid)
  WHERE (result->>'code') IS DISTINCT FROM 'DUPLICATE_IN_FILE' AND (result->>'code') IS DISTINCT FROM 'INVALID_DEVICE_UID';
CREATE INDEX t_batch_action_device_status ON t_batch_action_device (batch_action_id, status, id);

CREATE TABLE t_device_history (
  id               bigserial PRIMARY KEY,
  device_id        bigint NOT NULL REFERENCES t_device(id),
  milestone_type   text NOT NULL,
  from_state_id    smallint,
  to_state_id      smallint,
  source           text NOT NULL CHECK (source IN ('API', 'BATCH', 'TEMP_LOCK', 'SYSTEM')),
  batch_action_id  uuid REFERENCES t_batch_action(id),
  idempotency_key  text,
  ext_fields       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX t_device_history_device ON t_device_history (device_id, id);
-- One milestone per batch, device and milestone type; one per idempotency key outside batches.
CREATE UNIQUE INDEX t_device_history_batch_milestone ON t_device_history (batch_action_id, device_id, milestone_type)
  WHERE batch_action_id IS NOT NULL;
CREATE UNIQUE INDEX t_device_history_idempotency ON t_device_history (idempotency_key)
  WHERE idempotency_key IS NOT NULL;
`;
