// Deterministic _id keys for the workflow service's per-device documents. FerretDB (SQLite
// backend) pushes only _id equality down to the store and scans the collection for any other
// filter, so the hot path of BatchAssign reads and writes these documents by _id.
import { DeviceWorkflowDoc, MongoStores } from './mongo';

export function deviceDocumentId(tenantId: string, deviceUid: string): string {
  return `${tenantId}/${deviceUid}`;
}

export function workflowStepId(tenantId: string, deviceUid: string, assignmentKey: string): string {
  return `${tenantId}/${deviceUid}/${assignmentKey}`;
}

/** The device's document: by _id first; by (tenant, UID) for documents written with another _id. */
export async function findDeviceDocument(
  mongo: MongoStores,
  tenantId: string,
  deviceUid: string,
  fallback = true,
): Promise<DeviceWorkflowDoc | null> {
  const byId = await mongo.devices.findOne({ _id: deviceDocumentId(tenantId, deviceUid) });
  if (byId || !fallback) return byId;
  return mongo.devices.findOne({ tenant_id: tenantId, device_uid: deviceUid });
}
