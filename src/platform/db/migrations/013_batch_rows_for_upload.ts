// Batch rows stored at the upload's speed (issue 26; measured in docs/benchmarks.md, "Batch rows stored for the
// upload's speed"). A row is named by its batch and its row number: that pair is the primary key, the one B-tree
// an uploaded row costs. Dropped, each a cost per COPYed row that bought nothing here:
// - the bigserial `id` (a sequence call per row, and a second unique index beside (batch, row_number));
// - the partial unique index on (batch, device_uid) over a jsonb expression: a device appears once per batch
//   because the upload refuses a repeated UID itself (DUPLICATE_IN_FILE), and no later write adds rows;
// - the foreign key to t_batch_action, checked per row: the batch row is written in the same transaction as its
//   rows, and a batch is deleted (a discarded preview) together with its rows in one transaction.
// The status index keeps no entry for PENDING rows (every row of a new upload): it serves the reads of finished
// rows (failed rows by code, counts by status); pending rows are read through the primary key in row order.
export const id = '013_batch_rows_for_upload';
export const sql = `
ALTER TABLE t_batch_action_device DROP CONSTRAINT IF EXISTS t_batch_action_device_batch_action_id_fkey;
DROP INDEX IF EXISTS t_batch_action_device_uid;
DROP INDEX IF EXISTS t_batch_action_device_status;
ALTER TABLE t_batch_action_device DROP COLUMN id;
DROP INDEX IF EXISTS t_batch_action_device_row;
ALTER TABLE t_batch_action_device ADD CONSTRAINT t_batch_action_device_pkey PRIMARY KEY (batch_action_id, row_number);
CREATE INDEX t_batch_action_device_finished ON t_batch_action_device (batch_action_id, status, row_number)
  WHERE status <> 'PENDING';
`;
