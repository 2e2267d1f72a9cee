// Events out as webhooks (SPEC §9, Standard Webhooks): a tenant's subscriptions, the outbox the changes write in
// their own transaction (one row per subscription that wants the event), and every delivery attempt.
export const id = '011_webhooks';
export const sql = `
CREATE TABLE t_webhook_subscription (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES t_tenant(id),
  url         text NOT NULL,
  events      text[] NOT NULL,
  -- The signing secret (whsec_<base64>): the sender needs it in clear to sign; shown to the subscriber once.
  secret      text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE INDEX t_webhook_subscription_tenant ON t_webhook_subscription (tenant_id) WHERE deleted_at IS NULL;

CREATE TABLE t_webhook_outbox (
  seq              bigserial PRIMARY KEY,
  subscription_id  text NOT NULL REFERENCES t_webhook_subscription(id),
  event_id         text NOT NULL,
  event_type       text NOT NULL,
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
  created_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz
);
CREATE UNIQUE INDEX t_webhook_outbox_event ON t_webhook_outbox (subscription_id, event_id);
CREATE INDEX t_webhook_outbox_pending ON t_webhook_outbox (subscription_id, seq) WHERE status = 'PENDING';

CREATE TABLE t_webhook_delivery (
  id               bigserial PRIMARY KEY,
  subscription_id  text NOT NULL REFERENCES t_webhook_subscription(id),
  outbox_seq       bigint NOT NULL REFERENCES t_webhook_outbox(seq),
  event_id         text NOT NULL,
  event_type       text NOT NULL,
  attempt          integer NOT NULL,
  outcome          text NOT NULL CHECK (outcome IN ('DELIVERED', 'FAILED', 'GAVE_UP')),
  status_code      integer,
  error            text,
  attempted_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX t_webhook_delivery_subscription ON t_webhook_delivery (subscription_id, id);
`;
