// GET /v1/devices/:uid/temp-lock: the device's latest lock from the stored lock, written at each transition (no
// query to the workflow, so no wait for a worker), with its timeline and the directive a check-in now would get.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { findLatestTempLock, tempLockTimeline } from './store';
import { answerCheckIn, tempLockWorkflowId } from './lock';
import { runningLockOf } from './runningLock';
import type { TargetDevice } from './targetDevice';
import type { MongoStores } from '../platform/db/mongo';
import { ProblemError } from '../platform/http/problem';

export interface ReadLockDeps {
  pool: Pool;
  mongo: MongoStores;
  temporal: Client;
}

export async function readTempLock({ pool, mongo, temporal }: ReadLockDeps, device: TargetDevice) {
  const workflowId = tempLockWorkflowId(device.tenantId, device.uid);
  const [doc, running] = await Promise.all([findLatestTempLock(pool, mongo, device.id), runningLockOf(temporal, workflowId)]);
  if (running?.actionId && running.actionId !== doc?._id) {
    // Just assigned: its workflow runs and has not written its first transition yet.
    return { ...NOT_YET_WRITTEN, actionId: running.actionId, workflowId };
  }
  if (!doc) throw new ProblemError(404, 'NOT_FOUND', `device ${device.uid} has never had a temp lock`);
  const history = await tempLockTimeline(mongo, doc._id);
  const now = Date.now();
  const lock = { status: doc.status, durationMs: doc.duration_ms, lockEndsAt: doc.lock_ends_at?.getTime() ?? null };
  return {
    actionId: doc._id,
    workflowId,
    running: running !== null,
    status: doc.status,
    directive: answerCheckIn(lock, { checkedInAt: now, lockStartsAt: now }).directive,
    durationMinutes: doc.duration,
    workingHours: doc.is_enabled_working_hour,
    notification: doc.notification ?? null,
    createdAt: iso(doc.created_at),
    checkedInAt: iso(doc.checked_in_at),
    lockStartedAt: iso(doc.lock_started_at),
    lockEndsAt: iso(doc.lock_ends_at),
    nextDueAt: iso(doc.next_process_time),
    cancelReason: doc.status === 'CANCELLED' ? doc.cancel_reason : null,
    failureReason: doc.status === 'FAILED' ? doc.cancel_reason : null,
    note: doc.note ?? null,
    history: history.map((h) => ({ seq: h.seq, status: h.status, at: h.at.toISOString(), detail: h.detail })),
  };
}

/** A lock whose workflow has not written its first transition yet, as GET shows it. */
const NOT_YET_WRITTEN = {
  running: true,
  status: 'WAITING',
  directive: 'NONE',
  durationMinutes: null,
  workingHours: null,
  notification: null,
  createdAt: null,
  checkedInAt: null,
  lockStartedAt: null,
  lockEndsAt: null,
  nextDueAt: null,
  cancelReason: null,
  failureReason: null,
  note: null,
  history: [],
} as const;

function iso(value: Date | null | undefined): string | null {
  return value ? new Date(value).toISOString() : null;
}
