// What happens to one device in a batch (SPEC §3): the per-device activity of the deviceAssign
// workflow. One call validates, registers (register mode), assigns or exits the catalogue workflow,
// writes the milestone and the device's result row, so a child workflow costs one activity round trip.
//
// Two stores, one truth per device. MongoDB (the workflow service's document) is written first,
// inside the PostgreSQL transaction that holds the batch row (FOR UPDATE), and PostgreSQL commits
// last with the state change, the milestone and the row's result. Why this order: the claim on the
// device's document is where two assignments meet (no MongoDB transactions here), so it must decide
// before anything is recorded; and MongoDB writes are keyed by the assignment (batch or request),
// so a retry after a failure between the two finds its own claim and carries on to the commit.
// When retries run out (or the device's workflow is cancelled), settleDevice undoes a claim that
// PostgreSQL never recorded, or completes an exit that MongoDB already made: never an assignment
// without its result row and milestone, never a milestone without the assignment.
import { DeviceResultCode } from '../platform/errorCodes';
import { AssignmentMode } from '../batches/contract';
import { DeviceTypes, isDeviceTypeName } from './states';
import { DeviceAction, describeState } from './lifecycle';
import {
  DeviceWork,
  TransitionOutcome,
  Verdict,
  alreadyHasWorkflow,
  decideDeviceWork,
  hasNoWorkflow,
  needsCatalogueEntry,
  needsTempLockFact,
  transitionRefusal,
} from './assignmentRules';
import { findCurrentTempLock } from '../tempLocks/useCases';
import type { RowResult } from '../batches/contract';
import { claimPendingRow, rowInventoryFields, writeRowResult } from '../batches/useCases';
import { claimAssignment, exitAssignment, findDeviceDocument, releaseAssignment } from './documentStore';
import { applyDeviceActionIn } from './lifecycleStore';
import { DeviceRecord, HistorySource, createIdleDevice, findDeviceByEitherImeiInTree, hasMilestone, insertMilestone } from './store';
import { MongoStores } from '../platform/db/mongo';
import { PgPool, PgTransaction, inTransaction } from '../platform/db/postgres';
import type { CatalogueWorkflow } from '../catalogue/contract';
import { cachedWorkflowLookup } from '../catalogue/useCases';

export interface DeviceAssignmentRequest {
  /** The caller's tenant: the device is looked up in its tree, and nowhere else. */
  callerTenantId: string;
  /** The workspace the device must belong to (the batch's target workspace). */
  targetWorkspaceId: string;
  deviceUid: string;
  mode: AssignmentMode;
  /** The catalogue entry to assign (null for exit). */
  catalogueWorkflowId: string | null;
  /** Tenants whose catalogue may hold the workflow (the caller's tenant and the target workspace). */
  catalogueTenantIds: string[];
  /** Service type of devices created by register mode with createMissing. */
  serviceTypeId: number | null;
  createMissing: boolean;
  /** Mode action: the state action applied to the device (absent in runs started before mode action existed). */
  stateAction?: DeviceAction | null;
  requestedBy: string;
  source: Extract<HistorySource, 'BATCH' | 'API'>;
  /** Set for batch rows: the row to lock and to write the result to. */
  batch: { batchId: string; rowNumber: number } | null;
  /** Set outside batches: makes the single-device request idempotent. */
  requestKey: string | null;
}

export interface DeviceAssignmentResult extends RowResult {
  /** True when an earlier attempt (or a cancel) had already written this row's result. */
  alreadyRecorded: boolean;
}

export interface DeviceAssignmentDeps {
  pool: PgPool;
  mongo: MongoStores;
}

export function createDeviceAssignmentActivities({ pool, mongo }: DeviceAssignmentDeps) {
  const findCatalogueEntry = cachedWorkflowLookup(mongo);

  /** The rules (assignmentRules) decide; this carries out the work they leave, each write's answer read through them. */
  async function decide(tx: PgTransaction, req: DeviceAssignmentRequest): Promise<RowResult> {
    const catalogueEntry =
      needsCatalogueEntry(req) && req.catalogueWorkflowId
        ? await findCatalogueEntry(req.catalogueWorkflowId, req.catalogueTenantIds)
        : null;
    let device: DeviceRecord | null;
    ({ device, req } = await findRowDevice(tx, req));
    const tempLock = device && needsTempLockFact(req) ? await findCurrentTempLock(tx, device.id) : null;
    const decision = decideDeviceWork(req, { device, catalogueEntry, tempLock });
    if (decision.kind === 'refused') {
      return { code: decision.code, message: decision.message, deviceId: decision.ofDevice && device ? device.id : null };
    }
    if (decision.create) device = await createDevice(tx, req, decision.create.serviceTypeId);
    const done = await doWork(tx, req, device!, decision, catalogueEntry);
    return { ...done, deviceId: device!.id };
  }

  async function doWork(
    tx: PgTransaction,
    req: DeviceAssignmentRequest,
    device: DeviceRecord,
    work: DeviceWork,
    entry: CatalogueWorkflow | null,
  ): Promise<Verdict> {
    let transitioned: Verdict | null = null;
    if (work.transition) {
      const historyExtFields = work.then === 'assign' ? { pendingWorkflowId: entry!.id, workflowName: entry!.name } : {};
      const applied = await applyTransition(tx, req, device, work.transition, historyExtFields);
      const refusal = transitionRefusal(work.transition, applied);
      if (refusal) return refusal;
      transitioned = applied.ok ? transitionDone(work.transition, applied) : null;
    }
    if (work.then === 'exit') return exitWorkflow(tx, req, device);
    if (work.then === 'assign') return assignWorkflow(tx, req, device, entry!);
    return transitioned ?? verdict('OK', work.unchanged ?? 'nothing to change');
  }

  /** Register mode with createMissing (the inventory upload of seed 001): the row's inventory columns go with it. */
  async function createDevice(tx: PgTransaction, req: DeviceAssignmentRequest, serviceTypeId: number): Promise<DeviceRecord> {
    const inventory = req.batch ? await rowInventoryFields(tx, req.batch) : null;
    return createIdleDevice(tx, {
      uid: req.deviceUid,
      tenantId: req.targetWorkspaceId,
      serviceTypeId,
      imei2: inventory?.imei2,
      deviceType: inventory?.deviceType && isDeviceTypeName(inventory.deviceType) ? DeviceTypes[inventory.deviceType] : undefined,
      provisionType: inventory?.provisionType,
    });
  }

  async function assignWorkflow(
    tx: PgTransaction,
    req: DeviceAssignmentRequest,
    device: DeviceRecord,
    entry: CatalogueWorkflow,
  ): Promise<Verdict> {
    const claim = await claimAssignment(mongo, {
      tenantId: req.targetWorkspaceId,
      deviceUid: req.deviceUid,
      key: assignmentKey(req),
      catalogueEntry: entry,
      requestedBy: req.requestedBy,
    });
    if (claim !== 'CLAIMED') return alreadyHasWorkflow(claim.workflow?.workflowName ?? claim.workflow_version_id ?? 'unknown');
    await insertMilestone(tx, milestoneOf(req, device.id, 'ASSIGN_WORKFLOW_REQUESTED', { workflowId: entry.id, workflowName: entry.name }));
    return verdict('OK', `workflow ${entry.name} assigned`);
  }

  /** A state action through the state machine (REGISTER, or mode action's), recorded as done by the batch or the request. */
  async function applyTransition(
    tx: PgTransaction,
    req: DeviceAssignmentRequest,
    device: DeviceRecord,
    action: DeviceAction,
    historyExtFields: Record<string, unknown>,
  ): Promise<TransitionOutcome> {
    const applied = await applyDeviceActionIn(tx, {
      deviceId: device.id,
      action,
      source: req.source,
      batchActionId: req.batch?.batchId ?? null,
      idempotencyKey: req.batch ? null : `${req.requestKey}/${action}`,
      historyExtFields: req.mode === 'action' ? { requestedBy: req.requestedBy } : historyExtFields,
    });
    return applied.ok ? applied : { ok: false, message: applied.message };
  }

  async function exitWorkflow(tx: PgTransaction, req: DeviceAssignmentRequest, device: DeviceRecord): Promise<Verdict> {
    const exit = await exitAssignment(mongo, req.targetWorkspaceId, req.deviceUid, assignmentKey(req));
    if (!exit.exited) return hasNoWorkflow();
    await insertMilestone(
      tx,
      milestoneOf(req, device.id, 'EXIT_WORKFLOW_REQUESTED', {
        workflowId: exit.previous?.workflowId,
        workflowName: exit.previous?.workflowName,
      }),
    );
    return verdict('OK', exit.previous ? `workflow ${exit.previous.workflowName} exited` : 'workflow exited');
  }

  /** What MongoDB holds of this request that PostgreSQL does not: an exit is completed, a claim undone. */
  async function reconcile(tx: PgTransaction, rowRequest: DeviceAssignmentRequest): Promise<RowResult | null> {
    const { device, req } = await findRowDevice(tx, rowRequest);
    const key = assignmentKey(req);
    const doc = await findDeviceDocument(mongo, req.targetWorkspaceId, req.deviceUid);
    if (!doc || !device || device.tenantId !== req.targetWorkspaceId) return null;
    const milestone = req.mode === 'exit' ? 'EXIT_WORKFLOW_REQUESTED' : 'ASSIGN_WORKFLOW_REQUESTED';
    if (await hasMilestone(tx, milestoneOf(req, device.id, milestone, {}))) {
      return { code: 'OK', message: 'completed by an earlier attempt', deviceId: device.id };
    }
    if (req.mode !== 'exit') {
      await releaseAssignment(mongo, req.targetWorkspaceId, req.deviceUid, key);
      return null;
    }
    if (doc.workflow_version_id || doc.exit_key !== key) return null;
    const previous = doc.exited_workflow ?? null;
    await insertMilestone(
      tx,
      milestoneOf(req, device.id, milestone, { workflowId: previous?.workflowId, workflowName: previous?.workflowName }),
    );
    return { code: 'OK', message: previous ? `workflow ${previous.workflowName} exited` : 'workflow exited', deviceId: device.id };
  }

  return {
    /** Does one device's work and records its result; business failures come back as the result. */
    async assignDevice(req: DeviceAssignmentRequest): Promise<DeviceAssignmentResult> {
      return inTransaction(pool, async (tx) => {
        if (req.batch) {
          const earlier = await claimPendingRow(tx, req.batch);
          if (earlier) return { ...earlier, alreadyRecorded: true };
        }
        const result = await decide(tx, req);
        if (req.batch) await writeRowResult(tx, req.batch, result);
        return { ...result, alreadyRecorded: false };
      });
    },

    /**
     * Ends a device whose work did not complete (retries ran out, or its workflow was cancelled):
     * reconciles MongoDB with PostgreSQL, then records `ending` unless the work turns out done.
     */
    async settleDevice(
      req: DeviceAssignmentRequest,
      ending: { code: 'INTERNAL_ERROR' | 'CANCELLED'; message: string },
    ): Promise<DeviceAssignmentResult> {
      return inTransaction(pool, async (tx) => {
        if (req.batch) {
          const earlier = await claimPendingRow(tx, req.batch);
          if (earlier) return { ...earlier, alreadyRecorded: true };
        }
        const result = (await reconcile(tx, req)) ?? { ...ending, deviceId: null };
        if (req.batch) await writeRowResult(tx, req.batch, result);
        return { ...result, alreadyRecorded: false };
      });
    },
  };
}

/** Which batch or request a MongoDB write belongs to. */
function assignmentKey(req: DeviceAssignmentRequest): string {
  return req.batch ? `batch/${req.batch.batchId}` : `api/${req.requestKey}`;
}

function milestoneOf(req: DeviceAssignmentRequest, deviceId: number, milestone: string, extFields: Record<string, unknown>) {
  return {
    deviceId,
    milestone,
    source: req.source,
    batchActionId: req.batch?.batchId ?? null,
    idempotencyKey: req.batch ? null : `${req.requestKey}/${milestone}`,
    extFields: { ...extFields, requestedBy: req.requestedBy },
  };
}

function verdict(code: DeviceResultCode, message: string): Verdict {
  return { code, message };
}

function transitionDone(action: DeviceAction, applied: { fromStateId: number; toStateId: number }): Verdict {
  return action === 'REGISTER'
    ? verdict('OK', 'device registered: READY_FOR_USE')
    : verdict('OK', `${action}: ${describeState(applied.fromStateId)} → ${describeState(applied.toStateId)}`);
}

/**
 * The row's device, by its UID or else by its second IMEI (a row may name a device by either); the request from then
 * on names the device by its own UID.
 */
async function findRowDevice(
  tx: PgTransaction,
  req: DeviceAssignmentRequest,
): Promise<{ device: DeviceRecord | null; req: DeviceAssignmentRequest }> {
  const device = await findDeviceByEitherImeiInTree(tx, req.deviceUid, req.callerTenantId, req.targetWorkspaceId);
  return { device, req: device ? { ...req, deviceUid: device.uid } : req };
}
