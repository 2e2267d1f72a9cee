// GET /v1/devices/:uid and its history: what a device is (state, allowed next actions, its workflow assignment
// and its current temporary lock) and its timeline of milestones.
import type { Pool } from 'pg';
import { findDeviceDocument } from './documentStore';
import { deviceTimeline } from './lifecycleStore';
import type { DeviceRecord } from './store';
import { findCurrentTempLock } from '../tempLocks/useCases';
import { allowedActions, describeState } from './lifecycle';
import type { AppConfig } from '../platform/config';
import type { MongoStores } from '../platform/db/mongo';

/** The most milestones a device's timeline shows. */
const TIMELINE_LIMIT = 1000;

export async function readDevice(deps: { pool: Pool; mongo: MongoStores; config: AppConfig }, device: DeviceRecord) {
  const [doc, tempLock] = await Promise.all([
    findDeviceDocument(deps.mongo, device.tenantId, device.uid),
    findCurrentTempLock(deps.pool, device.id),
  ]);
  return {
    ...deviceFacts(device),
    previousState: device.previousStateId === null ? null : describeState(device.previousStateId),
    allowedActions: allowedActions(device.stateId),
    assignment: doc?.workflow_version_id
      ? {
          workflowId: doc.workflow_version_id,
          workflowName: doc.workflow?.workflowName ?? null,
          assignedAt: doc.workflow?.assignedAt ?? null,
          assignedBy: doc.workflow?.assignedBy ?? null,
          isActivatingWorkflow: doc.is_activating_workflow,
        }
      : null,
    tempLock: tempLock
      ? {
          actionId: tempLock.actionId,
          status: tempLock.status,
          directive: tempLock.directive,
          lockEndsAt: tempLock.lockEndsAt?.toISOString() ?? null,
          links: {
            self: `${deps.config.api.publicUrl}/v1/devices/${encodeURIComponent(device.uid)}/temp-lock?tenantId=${encodeURIComponent(device.tenantId)}`,
          },
        }
      : null,
    createdAt: device.createdAt,
    updatedAt: device.updatedAt,
  };
}

/** What the API tells of any device it shows, one device or a list of them: who it is and its state. */
export function deviceFacts(device: Pick<DeviceRecord, 'uid' | 'imei2' | 'tenantId' | 'stateId' | 'serviceTypeId' | 'deviceType'>) {
  return {
    uid: device.uid,
    imei2: device.imei2,
    tenantId: device.tenantId,
    state: describeState(device.stateId),
    stateId: device.stateId,
    serviceTypeId: device.serviceTypeId,
    deviceType: device.deviceType,
  };
}

/** The device's milestones, oldest first, each with the time since the one before and since the first. */
export async function readDeviceHistory({ pool }: { pool: Pool }, device: DeviceRecord) {
  const entries = await deviceTimeline(pool, device.id, TIMELINE_LIMIT);
  const first = entries[0]?.at.getTime() ?? 0;
  let previous = first;
  return {
    uid: device.uid,
    timeline: entries.map((e) => {
      const at = e.at.getTime();
      const entry = {
        milestone: e.milestone,
        fromState: e.fromStateId === null ? null : describeState(e.fromStateId),
        toState: e.toStateId === null ? null : describeState(e.toStateId),
        source: e.source,
        batchId: e.batchId,
        details: e.details,
        actor: e.actor,
        channel: e.channel,
        note: e.note,
        at: e.at,
        elapsedSincePreviousMs: at - previous,
        elapsedSinceFirstMs: at - first,
      };
      previous = at;
      return entry;
    }),
  };
}
