// The device a temp-lock request names, under the tenant it names (the caller's own by default), that tenant's
// own first: the one device lookup of every temp-lock use case (findDeviceInTree). Another tenant's device is
// 404 like a missing one.
import type { Pool } from 'pg';
import { findDeviceInTree } from '../devices/useCases';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

export interface TargetDevice {
  id: number;
  uid: string;
  tenantId: string;
}

export async function findTargetDevice(pool: Pool, caller: Caller, uid: string, tenantId: string): Promise<TargetDevice> {
  if (!caller.tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
  const device = await findDeviceInTree(pool, uid, tenantId, tenantId);
  if (!device) throw new ProblemError(404, 'DEVICE_NOT_FOUND', `no device ${uid} in tenant ${tenantId}`);
  return { id: device.id, uid: device.uid, tenantId: device.tenantId };
}
