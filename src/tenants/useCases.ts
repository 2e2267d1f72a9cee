// What other capabilities call on tenants: a tenant's working hours, and the next instant they allow (a
// temporary lock waits for it).
export { findApplicableWorkingHours, nextWorkingInstantFor } from './workingHoursStore';
export { findKeyHolder } from './apiKeyStore';
