// GET /v1/batches reads a tenant's batches newest first: one index serves the order and the keyset pages.
export const id = '005_batch_listing';
export const sql = `
CREATE INDEX t_batch_action_tenant_created ON t_batch_action (tenant_id, created_at DESC, id DESC);
`;
