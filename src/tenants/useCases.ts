// What other capabilities call on tenants: a tenant's working hours, and the next instant they allow (a
// temporary lock waits for it; a batch starts devices only inside a window).
export { findApplicableWorkingHours, nextWorkingInstantFor, workingSpanFor } from './workingHoursStore';
export { findKeyHolder } from './apiKeyStore';
