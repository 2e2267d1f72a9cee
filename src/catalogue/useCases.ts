// Catalogue lookups for the other capabilities: a batch's upload checks its workflow, a device's assignment
// reads it (cached).
export { cachedWorkflowLookup, findActiveWorkflow } from './store';
