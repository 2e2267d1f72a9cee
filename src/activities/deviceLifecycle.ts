// Activities that change or read a device's lifecycle state in PostgreSQL (through the state machine).
import { Pool } from 'pg';
import { ApplyDeviceActionInput, ApplyDeviceActionResult, applyDeviceAction } from '../db/deviceLifecycleStore';

export interface DeviceRow {
  id: number;
  uid: string;
  tenantId: string;
  stateId: number;
  previousStateId: number | null;
  serviceTypeId: number;
  deviceType: number;
  extFields: Record<string, unknown>;
}

export function createDeviceLifecycleActivities({ pool }: { pool: Pool }) {
  return {
    /** Business refusals come back as a value (ok: false) so the workflow decides what they mean. */
    async applyDeviceLifecycleAction(input: ApplyDeviceActionInput): Promise<ApplyDeviceActionResult> {
      return applyDeviceAction(pool, input);
    },

    async findDevice({ tenantId, uid }: { tenantId: string; uid: string }): Promise<DeviceRow | null> {
      const { rows } = await pool.query(
        `SELECT id, uid, tenant_id, state_id, previous_state_id, service_type_id, device_type, ext_fields
           FROM t_device WHERE tenant_id = $1 AND uid = $2`,
        [tenantId, uid],
      );
      const row = rows[0];
      if (!row) return null;
      return {
        id: Number(row.id),
        uid: row.uid,
        tenantId: row.tenant_id,
        stateId: row.state_id,
        previousStateId: row.previous_state_id,
        serviceTypeId: row.service_type_id,
        deviceType: row.device_type,
        extFields: row.ext_fields,
      };
    },
  };
}
