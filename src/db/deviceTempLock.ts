// The device's current temp lock as GET /v1/devices/:uid shows it, read from the temp-lock documents
// (device_actions): status, what a check-in would be told, and when the lock ends.
import type { Directive, TempLockStatus } from '../domain/tempLock';
import { MongoStores } from './mongo';

export interface CurrentTempLock {
  actionId: string;
  status: TempLockStatus;
  directive: Directive;
  lockEndsAt: Date | null;
}

const FINISHED: readonly TempLockStatus[] = ['DEACTIVATED', 'CANCELLED'];

/** The device's latest temp-lock action, unless it has ended (DEACTIVATED or CANCELLED). */
export async function findCurrentTempLock(mongo: MongoStores, tenantId: string, deviceUid: string): Promise<CurrentTempLock | null> {
  const doc = await mongo.deviceActions.findOne(
    { tenant_id: tenantId, device_uid: deviceUid },
    { sort: { created_at: -1 }, projection: { status: 1, lock_ends_at: 1 } },
  );
  if (!doc || FINISHED.includes(doc.status)) return null;
  return { actionId: doc._id, status: doc.status, directive: directiveOfStatus(doc.status), lockEndsAt: doc.lock_ends_at ?? null };
}

/** The directive the stored status implies: LOCK once the lock command went out, UNLOCK once the unlock did. */
function directiveOfStatus(status: TempLockStatus): Directive {
  if (status === 'ACTIVATING' || status === 'ACTIVATED') return 'LOCK';
  if (status === 'DEACTIVATING') return 'UNLOCK';
  return 'NONE';
}
