// Activities over the workflow service's per-device document in MongoDB (single-document writes).
import { MongoStores } from '../db/mongo';

export interface DeviceDocumentView {
  tenantId: string;
  deviceUid: string;
  isActivatingWorkflow: boolean;
  workflowVersionId: string | null;
}

export function createDeviceDocumentActivities({ mongo }: { mongo: MongoStores }) {
  return {
    /** Creates the device's document if it is missing; never overwrites an existing assignment. */
    async ensureDeviceDocument({ tenantId, deviceUid }: { tenantId: string; deviceUid: string }): Promise<DeviceDocumentView> {
      const now = new Date();
      await mongo.devices.updateOne(
        { tenant_id: tenantId, device_uid: deviceUid },
        {
          $setOnInsert: {
            tenant_id: tenantId,
            device_uid: deviceUid,
            is_activating_workflow: false,
            workflow_version_id: null,
            workflow: null,
          },
          $set: { updated_at: now },
        },
        { upsert: true },
      );
      const doc = await mongo.devices.findOne({ tenant_id: tenantId, device_uid: deviceUid });
      if (!doc) throw new Error(`device document ${tenantId}/${deviceUid} vanished after upsert`);
      return {
        tenantId: doc.tenant_id,
        deviceUid: doc.device_uid,
        isActivatingWorkflow: doc.is_activating_workflow ?? false,
        workflowVersionId: doc.workflow_version_id ?? null,
      };
    },
  };
}
