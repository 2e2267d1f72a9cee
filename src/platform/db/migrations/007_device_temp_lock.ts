// The device's current temp lock as a check-in needs it (SPEC §5): written with each of the lock's transitions
// (src/tempLocks/store.ts), so a check-in is answered from one PostgreSQL row; the lock's documents and
// timeline stay in MongoDB (device_actions, device_action_history).
export const id = '007_device_temp_lock';
export const sql = `
CREATE TABLE t_device_temp_lock (
  device_id      bigint PRIMARY KEY REFERENCES t_device(id),
  action_id      text NOT NULL,                -- the newest lock of the device (an overriding one replaces it)
  status         text NOT NULL,
  seq            integer NOT NULL,             -- the transition written last: an older one retried late changes nothing
  duration_ms    bigint NOT NULL,
  working_hours  boolean NOT NULL,
  lock_ends_at   timestamptz,
  updated_at     timestamptz NOT NULL
);
`;
