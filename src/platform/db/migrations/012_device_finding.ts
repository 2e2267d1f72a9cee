// Finding devices (GET /v1/devices): a tenant tree's devices in UID order, searched by the start of a UID or of
// the second IMEI. Both indexes compare bytes (COLLATE "C"), so one index serves the order, the keyset position
// and a prefix search (starts_with) whatever the database's own collation is.
export const id = '012_device_finding';
export const sql = `
CREATE INDEX t_device_uid_order ON t_device ((uid COLLATE "C"), tenant_id);
CREATE INDEX t_device_imei2_prefix ON t_device ((imei2 COLLATE "C")) WHERE imei2 IS NOT NULL;
`;
