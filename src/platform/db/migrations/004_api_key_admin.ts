// API keys administered by `npm run admin`: when a key was last used, lookup by its visible prefix
// (listing, revoking a leaked key), and the tenant tree walked downwards on every key lookup.
export const id = '004_api_key_admin';
export const sql = `
ALTER TABLE t_api_key ADD COLUMN last_used_at timestamptz;
CREATE INDEX t_api_key_prefix ON t_api_key (key_prefix);
CREATE INDEX t_tenant_parent ON t_tenant (parent_id);
`;
