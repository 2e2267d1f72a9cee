// The assignable-workflow catalogue (MongoDB `workflow_versions`): lookups shared by the API and
// the per-device activity, so both agree on what "the workflow exists for this tenant" means.
import { ObjectId } from 'mongodb';
import { MongoStores, WorkflowVersionDoc } from '../platform/db/mongo';

export interface CatalogueWorkflow {
  id: string;
  name: string;
  tenantId: string;
  serviceTypeId: number;
  status: 'ACTIVE' | 'INACTIVE';
}

export function isWorkflowVersionId(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{24}$/i.test(value);
}

/** The ACTIVE workflow `id` if it belongs to one of `tenantIds`, else null. */
export async function findActiveWorkflow(mongo: MongoStores, id: string, tenantIds: string[]): Promise<CatalogueWorkflow | null> {
  if (!isWorkflowVersionId(id)) return null;
  const doc = await mongo.workflowVersions.findOne({ _id: new ObjectId(id) });
  if (!doc || doc.status !== 'ACTIVE' || !tenantIds.includes(doc.tenant_id)) return null;
  return toCatalogueWorkflow(doc);
}

export async function listWorkflows(mongo: MongoStores, tenantIds: string[]): Promise<CatalogueWorkflow[]> {
  const docs = await mongo.workflowVersions
    .find({ tenant_id: { $in: tenantIds } })
    .sort({ _id: 1 })
    .limit(1000)
    .toArray();
  return docs.map(toCatalogueWorkflow);
}

/** Adds an ACTIVE workflow to a tenant's catalogue under a new id. */
export async function addCatalogueWorkflow(
  mongo: MongoStores,
  entry: { name: string; tenantId: string; serviceTypeId: number },
): Promise<CatalogueWorkflow> {
  const doc: WorkflowVersionDoc = {
    _id: new ObjectId(),
    name: entry.name,
    tenant_id: entry.tenantId,
    service_type_id: entry.serviceTypeId,
    status: 'ACTIVE',
    created_at: new Date(),
  };
  await mongo.workflowVersions.insertOne(doc);
  return toCatalogueWorkflow(doc);
}

function toCatalogueWorkflow(doc: WorkflowVersionDoc): CatalogueWorkflow {
  return { id: doc._id.toHexString(), name: doc.name, tenantId: doc.tenant_id, serviceTypeId: doc.service_type_id, status: doc.status };
}

/** A short-lived per-process cache: a 100,000-device batch asks for the same workflow 100,000 times. */
export function cachedWorkflowLookup(mongo: MongoStores, ttlMs = 5000) {
  const cache = new Map<string, { value: CatalogueWorkflow | null; until: number }>();
  return async (id: string, tenantIds: string[]): Promise<CatalogueWorkflow | null> => {
    const key = `${id}|${tenantIds.join(',')}`;
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const value = await findActiveWorkflow(mongo, id, tenantIds);
    if (cache.size > 1000) cache.clear();
    cache.set(key, { value, until: Date.now() + ttlMs });
    return value;
  };
}
