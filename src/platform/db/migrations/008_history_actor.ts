// Who did what (SPEC §9): each device milestone carries its actor (an API key's name and role, a batch, or the
// system), the channel it came through (API, PORTAL, BATCH, TEMP_LOCK) and the note the actor gave. Rows written
// before, or by writers that name no actor, are read with the actor and channel their `source` implies.
// A device is also found by its second IMEI (imei2) where the API accepts a UID.
export const id = '008_history_actor';
export const sql = `
ALTER TABLE t_device_history
  ADD COLUMN actor   jsonb,
  ADD COLUMN channel text CHECK (channel IN ('API', 'PORTAL', 'BATCH', 'TEMP_LOCK')),
  ADD COLUMN note    text;
CREATE INDEX t_device_imei2 ON t_device (imei2) WHERE imei2 IS NOT NULL;
`;
