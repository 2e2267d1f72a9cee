// MongoDB client (a real MongoDB or FerretDB) and the workflow service's collections and indexes.
// FerretDB has no multi-document transactions: every write is a single idempotent document write.
import { Collection, Db, MongoClient, ObjectId } from 'mongodb';
import type { TempLockStatus } from '../../tempLocks/contract';
import { FilteredFields, ensureFerretdbPostgresIndexes } from './ferretdbPostgres';
import { ClientSupervisor, ClientSupervisorOptions, StuckClientReport, superviseMongoClient } from './mongoRecovery';

export interface WorkflowVersionDoc {
  _id: ObjectId;
  name: string;
  tenant_id: string;
  service_type_id: number;
  status: 'ACTIVE' | 'INACTIVE';
  created_at: Date;
}

export interface DeviceWorkflowDoc {
  /** BatchAssign writes `<tenant>/<uid>` (see deviceDocumentKeys); older documents have an ObjectId. */
  _id?: ObjectId | string;
  tenant_id: string;
  device_uid: string;
  is_activating_workflow: boolean;
  workflow_version_id: string | null;
  workflow: { workflowId: string; workflowName: string; assignedAt: Date; assignedBy: string } | null;
  /** Which assignment (batch or request) set the current workflow / last cleared it: retries are no-ops. */
  assignment_key?: string | null;
  exit_key?: string | null;
  /** The workflow the last exit cleared: a retried exit still names it. */
  exited_workflow?: DeviceWorkflowDoc['workflow'];
  updated_at: Date;
}

interface DeviceWorkflowStepDoc {
  _id?: ObjectId | string;
  tenant_id: string;
  device_uid: string;
  workflow_version_id: string;
  /** Which assignment created the step (batch id or request key): makes the insert idempotent. */
  assignment_key: string;
  status: 'PENDING' | 'RUNNING' | 'DONE' | 'CANCELLED';
  created_at: Date;
}

/** One temp-lock action (SPEC §5); `_id` is the action id. Updated in place with a monotonic `seq`. */
export interface DeviceActionDoc {
  _id: string;
  action: 'TEMP_LOCK';
  tenant_id: string;
  device_uid: string;
  device_id: number;
  workflow_id: string;
  status: TempLockStatus;
  /** Sequence number of the last transition written (the workflow writes them in order). */
  seq: number;
  duration: number;
  duration_ms: number;
  is_enabled_working_hour: boolean;
  notification: unknown;
  /** When the workflow acts next on its own: the working-hours start, the lock's end, the end of the unlock wait. */
  next_process_time: Date | null;
  checked_in_at: Date | null;
  lock_started_at: Date | null;
  lock_ends_at: Date | null;
  cancel_reason: string | null;
  note: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
}

/** One transition of a temp-lock action; `_id` is `<action id>/<seq>`, so a retried write is a no-op. */
export interface DeviceActionHistoryDoc {
  _id: string;
  action_id: string;
  tenant_id: string;
  device_uid: string;
  seq: number;
  status: TempLockStatus;
  at: Date;
  detail: Record<string, unknown>;
}

/**
 * The process's MongoDB client and collections. When a client that stopped finding its server is
 * replaced (src/platform/db/mongoRecovery.ts), every field acts on the new one: nothing held needs changing.
 */
export interface MongoStores {
  client: MongoClient;
  db: Db;
  workflowVersions: Collection<WorkflowVersionDoc>;
  devices: Collection<DeviceWorkflowDoc>;
  deviceWorkflowSteps: Collection<DeviceWorkflowStepDoc>;
  deviceActions: Collection<DeviceActionDoc>;
  deviceActionHistory: Collection<DeviceActionHistoryDoc>;
}

/**
 * Connections (so operations in flight) per process, unless the URL sets maxPoolSize. Kept well under
 * FerretDB v1's own PostgreSQL pool (50 by default; scripts/services.sh gives it 200): its update holds one
 * pool connection for the query and takes a second for the write, so as many concurrent updates as its pool
 * has connections deadlock it for good (seen at 100 local activities writing at once).
 */
const MONGO_MAX_POOL_SIZE = 20;

/**
 * How the client finds its server again after a restart: the monitor re-checks an unreachable server
 * at least every HEARTBEAT_MS (the driver's 10 s default left operations failing that long after the
 * store was back), and a pooled connection idle for IDLE_CONNECTION_MS is closed rather than kept
 * through an outage for an operation to find dead.
 */
const HEARTBEAT_MS = 5_000;
const IDLE_CONNECTION_MS = 60_000;

export interface ConnectMongoOptions {
  /** Called when a client that stopped finding its server was replaced (default: one line on stderr). */
  onClientReplaced?: (report: StuckClientReport) => void;
  /** How soon a stuck client is replaced (src/platform/db/mongoRecovery.ts; tests shorten it). */
  recovery?: Pick<ClientSupervisorOptions, 'graceMs' | 'checkEveryMs'>;
}

const supervisors = new WeakMap<MongoStores, ClientSupervisor>();

export async function connectMongo(url: string, database: string, options: ConnectMongoOptions = {}): Promise<MongoStores> {
  let client = await newClient(url);
  const stores = storesFollowing(() => client, database);
  const onClientReplaced =
    options.onClientReplaced ??
    ((report: StuckClientReport) => process.stderr.write(`mongodb: client replaced after a store restart ${JSON.stringify(report)}\n`));
  supervisors.set(
    stores,
    superviseMongoClient({
      current: () => client,
      connectNew: () => newClient(url),
      replace: (replacement) => (client = replacement),
      onReplaced: onClientReplaced,
      ...options.recovery,
    }),
  );
  return stores;
}

/** Stops the client's supervision and closes the client in use. */
export async function closeMongo(stores: MongoStores): Promise<void> {
  supervisors.get(stores)?.stop();
  await stores.client.close();
}

/** A connected client that has answered a ping. */
async function newClient(url: string): Promise<MongoClient> {
  const pool = /[?&]maxPoolSize=/i.test(url) ? {} : { maxPoolSize: MONGO_MAX_POOL_SIZE };
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    heartbeatFrequencyMS: HEARTBEAT_MS,
    maxIdleTimeMS: IDLE_CONNECTION_MS,
    ...pool,
  });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return client;
  } catch (err) {
    await client.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Stores whose client, database and collections always act on the client `current()` returns: a
 * replaced client takes effect everywhere, also where a collection was kept (the simulated gateway's).
 */
function storesFollowing(current: () => MongoClient, database: string): MongoStores {
  let storesFor: MongoClient | null = null;
  let stores: MongoStores | null = null;
  const now = (): MongoStores => {
    const client = current();
    if (client !== storesFor) [storesFor, stores] = [client, storesOf(client, database)];
    return stores!;
  };
  const follow = <K extends keyof MongoStores>(key: K): MongoStores[K] =>
    new Proxy(now()[key], {
      get: (_initial, property) => {
        const target = now()[key];
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  return {
    client: follow('client'),
    db: follow('db'),
    workflowVersions: follow('workflowVersions'),
    devices: follow('devices'),
    deviceWorkflowSteps: follow('deviceWorkflowSteps'),
    deviceActions: follow('deviceActions'),
    deviceActionHistory: follow('deviceActionHistory'),
  };
}

function storesOf(client: MongoClient, database: string): MongoStores {
  const db = client.db(database);
  return {
    client,
    db,
    workflowVersions: db.collection<WorkflowVersionDoc>('workflow_versions'),
    devices: db.collection<DeviceWorkflowDoc>('devices'),
    deviceWorkflowSteps: db.collection<DeviceWorkflowStepDoc>('device_workflow_steps'),
    deviceActions: db.collection<DeviceActionDoc>('device_actions'),
    deviceActionHistory: db.collection<DeviceActionHistoryDoc>('device_action_history'),
  };
}

/** Resolves once the MongoDB server answers a ping (readiness). */
export async function pingMongo(stores: MongoStores): Promise<void> {
  await stores.db.command({ ping: 1 });
}

/** Creates the collections' indexes; safe to run at every start. */
export async function ensureMongoIndexes(stores: MongoStores, options: { ferretdbPostgresUrl?: string | null } = {}): Promise<void> {
  await stores.workflowVersions.createIndex({ tenant_id: 1, status: 1 }, { name: 'tenant_status' });
  await stores.devices.createIndex({ tenant_id: 1, device_uid: 1 }, { name: 'tenant_device', unique: true });
  await stores.deviceWorkflowSteps.createIndex(
    { tenant_id: 1, device_uid: 1, assignment_key: 1 },
    { name: 'tenant_device_assignment', unique: true },
  );
  // The foundation's first index on (tenant, device, action_id) predates action ids living in _id.
  await stores.deviceActions.dropIndex('tenant_device_action').catch(() => undefined);
  // Temp-lock documents are keyed by action id (_id); these serve "the device's latest action" and its timeline.
  await stores.deviceActions.createIndex({ tenant_id: 1, device_uid: 1, created_at: -1 }, { name: 'tenant_device_created' });
  await stores.deviceActionHistory.createIndex({ action_id: 1, seq: 1 }, { name: 'action_seq', unique: true });
  if (options.ferretdbPostgresUrl) {
    await ensureFerretdbPostgresIndexes(options.ferretdbPostgresUrl, stores.db.databaseName, FILTERED_FIELDS);
  }
}

/** The fields our filters use, per collection (FerretDB on PostgreSQL needs an index for each). */
const FILTERED_FIELDS: FilteredFields = {
  workflow_versions: ['tenant_id', 'status'],
  devices: ['tenant_id', 'device_uid', 'workflow_version_id'],
  device_workflow_steps: ['tenant_id', 'device_uid', 'assignment_key', 'status'],
  device_actions: ['tenant_id', 'device_uid'],
  device_action_history: ['action_id'],
};
