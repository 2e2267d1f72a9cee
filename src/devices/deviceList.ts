// GET /v1/devices: one page of the devices in the caller's tenant tree (or the subtree of the workspace it names),
// in UID order, searched by the start of a UID or second IMEI, filtered by state and by catalogue workflow; each
// with its workflow, and the opaque cursor of the next page.
import type { Pool } from 'pg';
import { devicesWithWorkflow, findAssignedDocuments } from './documentStore';
import { DeviceListPosition, ListedDevice, listDevices, tenantSubtree } from './listingStore';
import { deviceFacts } from './readDevice';
import type { DeviceStateName } from './states';
import { DeviceState } from './states';
import type { AppConfig } from '../platform/config';
import type { MongoStores } from '../platform/db/mongo';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export interface DeviceListRequest {
  /** The start of a UID or second IMEI. */
  uidPrefix: string | null;
  state: DeviceStateName | null;
  /** A catalogue workflow id (the product's workflow, not a Temporal one). */
  workflowId: string | null;
  /** A workspace of the caller's tree: only its subtree. */
  tenantId: string | null;
  after: DeviceListPosition | null;
  limit: number;
}

export async function listCallerDevices(
  deps: { pool: Pool; mongo: MongoStores; config: AppConfig },
  caller: Caller,
  request: DeviceListRequest,
) {
  const tenantIds = await tenantsSearched(deps.pool, caller, request.tenantId);
  const only = request.workflowId ? await devicesWithWorkflow(deps.mongo, request.workflowId, tenantIds) : null;
  const filter = { tenantIds, uidPrefix: request.uidPrefix, stateId: request.state ? DeviceState[request.state] : null, only };
  const found = await listDevices(deps.pool, filter, request.after, request.limit + 1);
  const devices = found.slice(0, request.limit);
  const assigned = await findAssignedDocuments(deps.mongo, devices);
  const workflowOf = new Map(assigned.map((doc) => [`${doc.tenant_id}/${doc.device_uid}`, doc]));
  const last = devices[devices.length - 1];
  return {
    devices: devices.map((device) => present(deps.config, device, workflowOf.get(`${device.tenantId}/${device.uid}`))),
    nextCursor: found.length > request.limit && last ? deviceCursorOf({ uid: last.uid, tenantId: last.tenantId }) : null,
  };
}

async function tenantsSearched(pool: Pool, caller: Caller, tenantId: string | null): Promise<string[]> {
  if (tenantId === null) return caller.tenantTree;
  if (!caller.tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
  return tenantSubtree(pool, tenantId);
}

function present(
  config: AppConfig,
  device: ListedDevice,
  doc: { workflow_version_id: string | null; workflow: { workflowName: string } | null } | undefined,
) {
  return {
    ...deviceFacts(device),
    workflow: doc?.workflow_version_id ? { workflowId: doc.workflow_version_id, workflowName: doc.workflow?.workflowName ?? null } : null,
    createdAt: device.createdAt,
    updatedAt: device.updatedAt,
    links: {
      self: `${config.api.publicUrl}/v1/devices/${encodeURIComponent(device.uid)}?tenantId=${encodeURIComponent(device.tenantId)}`,
    },
  };
}

/** UIDs and tenant ids never hold a newline; the cursor is both, base64url. */
function deviceCursorOf(position: DeviceListPosition): string {
  return Buffer.from(`${position.uid}\n${position.tenantId}`).toString('base64url');
}

/** The position a page's `nextCursor` names; null (from the first device) without one. */
export function positionOfDeviceCursor(cursor: string | undefined): DeviceListPosition | null {
  if (cursor === undefined) return null;
  const match = /^([A-Za-z0-9-]{1,32})\n([^\n]{1,200})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) {
    throw new ProblemError(
      400,
      'VALIDATION_FAILED',
      'cursor must be a value from nextCursor (as given in links.next); leave it out for the first page',
    );
  }
  return { uid: match[1]!, tenantId: match[2]! };
}
