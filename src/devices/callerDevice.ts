// The device a request names: the device with this UID under the workspace named by ?tenantId, or anywhere in
// the caller's tenant tree (the named or the caller's own tenant first), by its UID or else its second IMEI: the one device lookup of the device
// routes (findDeviceByEitherImeiInTree). Another tenant's device is 404 like a missing one.
import type { Pool } from 'pg';
import { DeviceRecord, findDeviceByEitherImeiInTree } from './store';
import type { Caller } from '../platform/http/auth';
import { ProblemError } from '../platform/http/problem';

/** `uid` has passed checkDeviceUid; `tenantId` is the workspace the request names, if it names one. */
export async function findCallerDevice(pool: Pool, caller: Caller, uid: string, tenantId: string | undefined): Promise<DeviceRecord> {
  if (tenantId !== undefined && !caller.tenantTree.includes(tenantId)) throw new ProblemError(404, 'NOT_FOUND', `no tenant ${tenantId}`);
  const root = tenantId ?? caller.tenantId;
  const device = await findDeviceByEitherImeiInTree(pool, uid, root, root);
  if (!device)
    throw new ProblemError(404, 'DEVICE_NOT_FOUND', `no device ${uid}${tenantId === undefined ? '' : ` under tenant ${tenantId}`}`);
  return device;
}
