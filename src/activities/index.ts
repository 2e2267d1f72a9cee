// All activities of the worker, built from their dependencies (no module-level singletons).
import { Pool } from 'pg';
import { MongoStores } from '../db/mongo';
import { DeviceControlGateway } from '../gateway/deviceControlGateway';
import { createBatchRunActivities } from './batchRuns';
import { createDeviceAssignmentActivities } from './deviceAssignment';
import { createDeviceDocumentActivities } from './deviceDocuments';
import { createDeviceLifecycleActivities } from './deviceLifecycle';
import { createTempLockActivities } from './tempLock';

export interface ActivityDeps {
  pool: Pool;
  mongo: MongoStores;
  /** The device-control gateway used by the TempLock activities. */
  gateway: DeviceControlGateway;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDeviceLifecycleActivities(deps),
    ...createDeviceDocumentActivities(deps),
    ...createTempLockActivities(deps),
    ...createDeviceAssignmentActivities(deps),
    ...createBatchRunActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
