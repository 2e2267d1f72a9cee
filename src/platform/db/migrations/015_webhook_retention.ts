// Webhook records kept for WEBHOOK_RETENTION_MS (14 days by default; README, "Webhooks"): a finished event (DELIVERED
// or FAILED) and its attempts are deleted after that. Both the retention sweep and an event's attempt count find an
// event's attempts by its outbox seq, which needs its own index (the foreign key's check on delete does too).
export const id = '015_webhook_retention';
export const sql = `
CREATE INDEX t_webhook_delivery_outbox ON t_webhook_delivery (outbox_seq);
`;
