// The catalogue of assignable workflows (the product's "workflows", not Temporal's): what an entry is and the
// shape of its id. The lookups others call are in useCases.ts.
export { isWorkflowVersionId, type CatalogueWorkflow } from './store';
