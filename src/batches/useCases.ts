// What other capabilities call on batches: the per-device workflow claims its row and writes its result (in the
// device's own transaction), and the API's metrics read how long running batches have waited.
export { claimPendingRow, rowInventoryFields, writeRowResult } from './store';
export { runningBatchPending } from './listingStore';
