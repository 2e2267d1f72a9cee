// What other capabilities call on temporary locks: a device's current lock (its page), and the figures the
// API's metrics export.
export { findCurrentTempLock, findRunningTempLocks, tempLockFigures } from './store';
export { tellWaitingLocksOfCalendarChange } from './calendarChange';
