// MongoDB client (a real MongoDB or FerretDB) and the workflow service's collections and indexes.
// FerretDB has no multi-document transactions: every write is a single idempotent document write.
import { Collection, Db, MongoClient, ObjectId } from 'mongodb';

export interface WorkflowVersionDoc {
  _id: ObjectId;
  name: string;
  tenant_id: string;
  service_type_id: number;
  status: 'ACTIVE' | 'INACTIVE';
  created_at: Date;
}

export interface DeviceWorkflowDoc {
  _id?: ObjectId;
  tenant_id: string;
  device_uid: string;
  is_activating_workflow: boolean;
  workflow_version_id: string | null;
  workflow: { workflowId: string; workflowName: string; assignedAt: Date; assignedBy: string } | null;
  updated_at: Date;
}

export interface DeviceWorkflowStepDoc {
  _id?: ObjectId;
  tenant_id: string;
  device_uid: string;
  workflow_version_id: string;
  /** Which assignment created the step (batch id or request key): makes the insert idempotent. */
  assignment_key: string;
  status: 'PENDING' | 'RUNNING' | 'DONE' | 'CANCELLED';
  created_at: Date;
}

export interface MongoStores {
  client: MongoClient;
  db: Db;
  workflowVersions: Collection<WorkflowVersionDoc>;
  devices: Collection<DeviceWorkflowDoc>;
  deviceWorkflowSteps: Collection<DeviceWorkflowStepDoc>;
  deviceActions: Collection;
  deviceActionHistory: Collection;
}

export async function connectMongo(url: string, database: string): Promise<MongoStores> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 });
  await client.connect();
  const db = client.db(database);
  return {
    client,
    db,
    workflowVersions: db.collection<WorkflowVersionDoc>('workflow_versions'),
    devices: db.collection<DeviceWorkflowDoc>('devices'),
    deviceWorkflowSteps: db.collection<DeviceWorkflowStepDoc>('device_workflow_steps'),
    deviceActions: db.collection('device_actions'),
    deviceActionHistory: db.collection('device_action_history'),
  };
}

/** Creates the collections' indexes; safe to run at every start. */
export async function ensureMongoIndexes(stores: MongoStores): Promise<void> {
  await stores.workflowVersions.createIndex({ tenant_id: 1, status: 1 }, { name: 'tenant_status' });
  await stores.devices.createIndex({ tenant_id: 1, device_uid: 1 }, { name: 'tenant_device', unique: true });
  await stores.deviceWorkflowSteps.createIndex(
    { tenant_id: 1, device_uid: 1, assignment_key: 1 },
    { name: 'tenant_device_assignment', unique: true },
  );
  await stores.deviceActions.createIndex({ tenant_id: 1, device_uid: 1, action_id: 1 }, { name: 'tenant_device_action', unique: true });
  await stores.deviceActionHistory.createIndex({ action_id: 1, seq: 1 }, { name: 'action_seq', unique: true });
}
