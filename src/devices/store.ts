// The device aggregate's reads and non-state writes in PostgreSQL (t_device, t_device_history): the one
// lookup of a device by UID inside a tenant tree, the inventory upload's creation of IDLE devices, and
// the one milestone writer. State changes go through the state machine (deviceLifecycleStore).
import { Queryable } from '../platform/db/postgres';
import { Actor, HistoryChannel, impliedAttribution } from './actor';
import { DeviceState, DeviceTypes } from './states';

export type HistorySource = 'API' | 'BATCH' | 'TEMP_LOCK' | 'SYSTEM';

export interface DeviceRecord {
  id: number;
  uid: string;
  tenantId: string;
  stateId: number;
  previousStateId: number | null;
  serviceTypeId: number;
  deviceType: number;
  imei2: string | null;
  /** How the device was provisioned (seed 001's provision type, from the inventory upload), or null when not recorded. */
  provisionType: string | null;
  extFields: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const deviceColumns =
  'id, uid, imei2, tenant_id, state_id, previous_state_id, service_type_id, device_type, ext_fields, created_at, updated_at';

/**
 * The device named `uidOrImei2` in the tree under `treeRootTenantId` (that tenant and every workspace below it): the
 * device whose UID it is, else the device whose second IMEI (imei2) it is (the API and uploads accept either IMEI),
 * preferring the one in `preferTenantId` when several workspaces have it. One query, so a miss costs no second round
 * trip. A device of another tree is not there: callers answer DEVICE_NOT_FOUND, never "someone else has it".
 */
export async function findDeviceByEitherImeiInTree(
  db: Queryable,
  uidOrImei2: string,
  treeRootTenantId: string,
  preferTenantId: string = treeRootTenantId,
): Promise<DeviceRecord | null> {
  const { rows } = await db.query(
    `WITH RECURSIVE tree AS (
       SELECT $2::text AS id
       UNION
       SELECT t.id FROM t_tenant t JOIN tree ON t.parent_id = tree.id
     )
     SELECT ${deviceColumns} FROM t_device
      WHERE (uid = $1 OR imei2 = $1) AND tenant_id IN (SELECT id FROM tree)
      ORDER BY uid = $1 DESC, tenant_id = $3 DESC, id LIMIT 1`,
    [uidOrImei2, treeRootTenantId, preferTenantId],
  );
  return rows[0] ? toDeviceRecord(rows[0]) : null;
}

/**
 * findDeviceByEitherImeiInTree for a set of UIDs (by UID only) in one query: each UID's device in the tree (preferring `preferTenantId`), keyed
 * by UID; UIDs with no device in the tree are absent.
 */
export async function findDevicesInTree(
  db: Queryable,
  uids: readonly string[],
  treeRootTenantId: string,
  preferTenantId: string,
): Promise<Map<string, DeviceRecord>> {
  return findManyInTree(db, 'uid', uids, treeRootTenantId, preferTenantId);
}

/**
 * Each of these UIDs that is no device's UID in the tree but a device's second IMEI (imei2), keyed by that IMEI: an
 * upload names a device by either IMEI. UIDs that are a device's UID win (findDevicesInTree first).
 */
export async function findDevicesByImei2InTree(
  db: Queryable,
  imeis: readonly string[],
  treeRootTenantId: string,
  preferTenantId: string,
): Promise<Map<string, DeviceRecord>> {
  return imeis.length === 0 ? new Map() : findManyInTree(db, 'imei2', imeis, treeRootTenantId, preferTenantId);
}

async function findManyInTree(
  db: Queryable,
  column: 'uid' | 'imei2',
  values: readonly string[],
  treeRootTenantId: string,
  preferTenantId: string,
): Promise<Map<string, DeviceRecord>> {
  const { rows } = await db.query(
    `WITH RECURSIVE tree AS (
       SELECT $2::text AS id
       UNION
       SELECT t.id FROM t_tenant t JOIN tree ON t.parent_id = tree.id
     )
     SELECT DISTINCT ON (${column}) ${deviceColumns} FROM t_device
      WHERE ${column} = ANY($1) AND tenant_id IN (SELECT id FROM tree)
      ORDER BY ${column}, tenant_id = $3 DESC, id`,
    [values, treeRootTenantId, preferTenantId],
  );
  return new Map(rows.map((row) => [row[column] as string, toDeviceRecord(row)]));
}

/** Register mode with createMissing (the inventory upload of seed 001): a new IDLE device, or the existing one. */
export async function createIdleDevice(
  db: Queryable,
  device: {
    uid: string;
    tenantId: string;
    serviceTypeId: number;
    imei2?: string | null;
    deviceType?: number;
    provisionType?: string | null;
  },
): Promise<DeviceRecord> {
  const { rows } = await db.query(
    `INSERT INTO t_device (uid, tenant_id, state_id, service_type_id, imei2, device_type, ext_fields) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, uid) DO UPDATE SET updated_at = t_device.updated_at
     RETURNING ${deviceColumns}`,
    [
      device.uid,
      device.tenantId,
      DeviceState.IDLE,
      device.serviceTypeId,
      device.imei2 ?? null,
      device.deviceType ?? DeviceTypes.SMARTPHONE,
      JSON.stringify(device.provisionType ? { provision_type: device.provisionType } : {}),
    ],
  );
  return toDeviceRecord(rows[0]);
}

export interface Milestone {
  deviceId: number;
  milestone: string;
  source: HistorySource;
  fromStateId?: number | null;
  toStateId?: number | null;
  batchActionId?: string | null;
  /** Unique: a retried write with the same key is a no-op. */
  idempotencyKey?: string | null;
  extFields?: Record<string, unknown>;
  /** Who and through what; when absent, what the source implies (impliedAttribution). */
  actor?: Actor;
  channel?: HistoryChannel;
  note?: string | null;
}

/**
 * Writes one row of a device's timeline (t_device_history); every milestone goes through here. A
 * milestone already written (same idempotency key, or the same batch, device and type) is not
 * written twice. Returns the new row's id, or null when it was there already.
 */
export async function insertMilestone(db: Queryable, m: Milestone): Promise<number | null> {
  const implied = impliedAttribution(m.source, m.batchActionId ?? null, m.extFields?.requestedBy);
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO t_device_history (device_id, milestone_type, from_state_id, to_state_id, source, batch_action_id, idempotency_key, ext_fields,
                                   actor, channel, note)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING id`,
    [
      m.deviceId,
      m.milestone,
      m.fromStateId ?? null,
      m.toStateId ?? null,
      m.source,
      m.batchActionId ?? null,
      m.idempotencyKey ?? null,
      JSON.stringify(m.extFields ?? {}),
      JSON.stringify(m.actor ?? implied.actor),
      m.channel ?? implied.channel,
      m.note ?? null,
    ],
  );
  return rows[0] ? Number(rows[0].id) : null;
}

/** Whether this milestone was written (by its idempotency key, or its batch, device and type). */
export async function hasMilestone(db: Queryable, m: Milestone): Promise<boolean> {
  const { rows } = await db.query(
    m.idempotencyKey
      ? 'SELECT 1 FROM t_device_history WHERE idempotency_key = $1'
      : 'SELECT 1 FROM t_device_history WHERE batch_action_id = $1 AND device_id = $2 AND milestone_type = $3',
    m.idempotencyKey ? [m.idempotencyKey] : [m.batchActionId, m.deviceId, m.milestone],
  );
  return rows.length > 0;
}

// pg returns rows untyped; this is the one place a t_device row becomes a typed record.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function toDeviceRecord(row: Record<string, any>): DeviceRecord {
  return {
    id: Number(row.id),
    uid: row.uid,
    tenantId: row.tenant_id,
    stateId: row.state_id,
    previousStateId: row.previous_state_id,
    serviceTypeId: row.service_type_id,
    deviceType: row.device_type,
    imei2: row.imei2,
    provisionType: typeof row.ext_fields?.provision_type === 'string' ? row.ext_fields.provision_type : null,
    extFields: row.ext_fields ?? {},
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
