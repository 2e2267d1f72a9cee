// All activities of the worker, built from their dependencies (no module-level singletons).
import { MongoStores } from '../db/mongo';
import { PgPool } from '../db/postgres';
import { DeviceControlGateway } from '../../devices/gateway/deviceControlGateway';
import { createBatchRunActivities } from '../../batches/activities';
import { createDeviceAssignmentActivities } from '../../devices/deviceAssignActivities';
import { createDeviceCommandActivities } from '../../devices/deviceCommandActivities';
import { createTempLockActivities } from '../../tempLocks/activities';
import { createWebhookDeliveryActivities } from '../../webhooks/deliveryActivities';

export interface ActivityDeps {
  pool: PgPool;
  mongo: MongoStores;
  /** The device-control gateway used by the TempLock activities. */
  gateway: DeviceControlGateway;
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: webhooks may be delivered to loopback and private addresses (default: no). */
  allowPrivateWebhookTargets?: boolean;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createTempLockActivities(deps),
    ...createDeviceAssignmentActivities(deps),
    ...createDeviceCommandActivities(deps),
    ...createBatchRunActivities(deps),
    ...createWebhookDeliveryActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
