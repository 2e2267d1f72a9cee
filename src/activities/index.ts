// All activities of the worker, built from their dependencies (no module-level singletons).
import { Pool } from 'pg';
import { MongoStores } from '../db/mongo';
import { createDeviceDocumentActivities } from './deviceDocuments';
import { createDeviceLifecycleActivities } from './deviceLifecycle';

export interface ActivityDeps {
  pool: Pool;
  mongo: MongoStores;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDeviceLifecycleActivities(deps),
    ...createDeviceDocumentActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
