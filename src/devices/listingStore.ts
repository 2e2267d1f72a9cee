// A tenant tree's devices in UID order (GET /v1/devices): searched by the start of the UID or of the second IMEI,
// filtered by state and by a given set of devices (those with a catalogue workflow), in keyset pages over
// (uid, tenant_id) compared as bytes, the order the t_device_uid_order index (migration 012) keeps.
import type { Queryable } from '../platform/db/postgres';

export interface DeviceListFilter {
  tenantIds: string[];
  /** Devices whose UID or second IMEI starts with this. */
  uidPrefix: string | null;
  stateId: number | null;
  /** Only these devices (tenant and UID); null for any. */
  only: { tenantId: string; uid: string }[] | null;
}

/** Where the previous page ended: its last device's UID and tenant. */
export interface DeviceListPosition {
  uid: string;
  tenantId: string;
}

export interface ListedDevice {
  uid: string;
  imei2: string | null;
  tenantId: string;
  stateId: number;
  serviceTypeId: number;
  deviceType: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Up to `limit` devices after `after`, in (UID, tenant) order. */
export async function listDevices(
  db: Queryable,
  filter: DeviceListFilter,
  after: DeviceListPosition | null,
  limit: number,
): Promise<ListedDevice[]> {
  const { rows } = await db.query(
    `SELECT uid, imei2, tenant_id, state_id, service_type_id, device_type, created_at, updated_at FROM t_device
      WHERE tenant_id = ANY($1)
        AND ($2::text IS NULL OR starts_with(uid COLLATE "C", $2) OR starts_with(imei2 COLLATE "C", $2))
        AND ($3::smallint IS NULL OR state_id = $3)
        AND ($4::text[] IS NULL OR (tenant_id, uid) IN (SELECT * FROM unnest($4::text[], $5::text[])))
        AND ($6::text IS NULL OR (uid COLLATE "C", tenant_id) > ($6 COLLATE "C", $7))
      ORDER BY uid COLLATE "C", tenant_id
      LIMIT $8`,
    [
      filter.tenantIds,
      filter.uidPrefix,
      filter.stateId,
      filter.only?.map((d) => d.tenantId) ?? null,
      filter.only?.map((d) => d.uid) ?? null,
      after?.uid ?? null,
      after?.tenantId ?? null,
      limit,
    ],
  );
  return rows.map((r) => ({
    uid: r.uid,
    imei2: r.imei2,
    tenantId: r.tenant_id,
    stateId: r.state_id,
    serviceTypeId: r.service_type_id,
    deviceType: r.device_type,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/** The tenant `rootTenantId` and every workspace below it. */
export async function tenantSubtree(db: Queryable, rootTenantId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH RECURSIVE tree AS (
       SELECT $1::text AS id
       UNION
       SELECT t.id FROM t_tenant t JOIN tree ON t.parent_id = tree.id
     )
     SELECT id FROM tree`,
    [rootTenantId],
  );
  return rows.map((r) => r.id);
}
