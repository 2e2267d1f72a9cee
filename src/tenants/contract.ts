// What the tenants capability offers the others: who holds an API key and with which role (the API's
// authentication checks it), and the working-hours calendar's weekdays. The lookups others call are in useCases.ts.
export { hashApiKey, hasIssuedKeyShape, type Role } from './apiKeys';
export type { KeyHolder } from './apiKeyStore';
export { WEEKDAYS } from './workingHours';
