// A tenant's working hours were replaced: every lock waiting for working time under it (its sub-workspaces work to
// its calendar unless they have their own) is told at once, so a removed holiday releases it now, not at the
// instant the old calendar gave. Best effort, after the calendar is stored: a lock the message misses (the API
// stopped meanwhile) still asks its calendar again when its own timer fires, as before.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { workingHoursChangedSignal } from './contract';
import { tempLockWorkflowId } from './lock';
import { ignoreNotFound } from './runningLock';
import { findLocksWaitingForWorkingTime } from './store';

const SIGNALS_AT_ONCE = 16;

/** Tells the waiting locks under `tenantId`; resolves to how many were told (a lock that ended meanwhile is not). */
export async function tellWaitingLocksOfCalendarChange(
  { pool, temporal }: { pool: Pool; temporal: Client },
  tenantId: string,
): Promise<number> {
  const waiting = await findLocksWaitingForWorkingTime(pool, tenantId);
  let told = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(SIGNALS_AT_ONCE, waiting.length) }, async () => {
      for (let lock = waiting[next++]; lock !== undefined; lock = waiting[next++]) {
        const handle = temporal.workflow.getHandle(tempLockWorkflowId(lock.tenantId, lock.deviceUid));
        if (await handle.signal(workingHoursChangedSignal).then(() => true, ignoreNotFound)) told++;
      }
    }),
  );
  return told;
}
