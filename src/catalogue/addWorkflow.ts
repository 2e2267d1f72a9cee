// POST /v1/workflows: a new ACTIVE workflow in the catalogue of the caller's tenant or of a workspace of its tree.
import { addCatalogueWorkflow, CatalogueWorkflow } from './store';
import type { MongoStores } from '../platform/db/mongo';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export interface NewWorkflow {
  name: string;
  serviceTypeId: number;
  /** The workspace whose catalogue gets it; the caller's own tenant when absent. */
  tenantId: string | undefined;
}

export async function addWorkflow({ mongo }: { mongo: MongoStores }, caller: Caller, workflow: NewWorkflow): Promise<CatalogueWorkflow> {
  const tenantId = workflow.tenantId ?? caller.tenantId;
  if (!caller.tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no workspace ${tenantId} in your tenant tree`);
  return addCatalogueWorkflow(mongo, { name: workflow.name, tenantId, serviceTypeId: workflow.serviceTypeId });
}
