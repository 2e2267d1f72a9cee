// What the temporary-locks capability offers the others: a lock's statuses and the settings' bounds. Pure; the
// reads others call are in useCases.ts.
export { FINAL_TEMP_LOCK_STATUSES, MAX_UNLOCK_LEAD_MS, TempLockStatuses, type TempLockStatus } from './lock';
