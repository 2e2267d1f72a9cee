// The storesProbe workflow's activities: look a device up, apply a lifecycle action through the
// state machine (PostgreSQL), ensure the device's document (MongoDB). Registered by the test worker only.
import { Pool } from 'pg';
import { ApplyDeviceActionInput, ApplyDeviceActionResult } from '../../src/devices/lifecycleStore';
import { applyDeviceAction } from '../../dev/inventorySeed';
import { MongoStores } from '../../src/platform/db/mongo';

export interface ProbedDevice {
  id: number;
  stateId: number;
}

export interface ProbedDocument {
  workflowVersionId: string | null;
}

export function createStoresProbeActivities({ pool, mongo }: { pool: Pool; mongo: MongoStores }) {
  return {
    async applyDeviceLifecycleAction(input: ApplyDeviceActionInput): Promise<ApplyDeviceActionResult> {
      return applyDeviceAction(pool, input);
    },

    async findDevice({ tenantId, uid }: { tenantId: string; uid: string }): Promise<ProbedDevice | null> {
      const { rows } = await pool.query('SELECT id, state_id FROM t_device WHERE tenant_id = $1 AND uid = $2', [tenantId, uid]);
      return rows[0] ? { id: Number(rows[0].id), stateId: rows[0].state_id } : null;
    },

    /** Creates the device's document if it is missing; never overwrites an existing assignment. */
    async ensureDeviceDocument({ tenantId, deviceUid }: { tenantId: string; deviceUid: string }): Promise<ProbedDocument> {
      const filter = { tenant_id: tenantId, device_uid: deviceUid };
      await mongo.devices.updateOne(
        filter,
        {
          $setOnInsert: { ...filter, is_activating_workflow: false, workflow_version_id: null, workflow: null },
          $set: { updated_at: new Date() },
        },
        { upsert: true },
      );
      const doc = await mongo.devices.findOne(filter);
      return { workflowVersionId: doc?.workflow_version_id ?? null };
    },
  };
}

export type StoresProbeActivities = ReturnType<typeof createStoresProbeActivities>;
