// Previewed batches (status PREVIEW) expire after a day: the sweep finds them, oldest first, without reading the other batches.
export const id = '009_batch_previews';
export const sql = `
CREATE INDEX t_batch_action_preview_created ON t_batch_action (created_at) WHERE status = 'PREVIEW';
`;
