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
import { AssignmentMode, directAssignStates, modeNeedsWorkflow } from '../batches/contract';
import { DeviceState, DeviceTypes, isDeviceTypeName } from './states';
import { DeviceAction, describeState } from './lifecycle';
import { findCurrentTempLock } from '../tempLocks/useCases';
import type { RowResult } from '../batches/contract';
import { claimPendingRow, rowInventoryFields, writeRowResult } from '../batches/useCases';
import { claimAssignment, exitAssignment, findDeviceDocument, releaseAssignment } from './documentStore';
import { applyDeviceActionIn } from './lifecycleStore';
import { DeviceRecord, HistorySource, createIdleDevice, findDeviceInTree, hasMilestone, insertMilestone } from './store';
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
  batch: { batchId: string; rowId: number } | null;
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

type Verdict = { code: DeviceResultCode; message: string };

/** The service type of a device created by a register upload that names neither a workflow nor a service type: SIM control. */
const DEFAULT_SERVICE_TYPE_ID = 1;

export function createDeviceAssignmentActivities({ pool, mongo }: DeviceAssignmentDeps) {
  const findCatalogueEntry = cachedWorkflowLookup(mongo);

  async function decide(tx: PgTransaction, req: DeviceAssignmentRequest): Promise<RowResult> {
    let entry: CatalogueWorkflow | null = null;
    // Register mode without a workflow (seed 001's inventory upload) only registers the device.
    if (modeNeedsWorkflow(req.mode) && !(req.mode === 'register' && req.catalogueWorkflowId === null)) {
      entry = req.catalogueWorkflowId ? await findCatalogueEntry(req.catalogueWorkflowId, req.catalogueTenantIds) : null;
      if (!entry) return noDevice('WORKFLOW_NOT_FOUND', `workflow ${req.catalogueWorkflowId} is not an active workflow of this tenant`);
    }
    let device = await findDeviceInTree(tx, req.deviceUid, req.callerTenantId, req.targetWorkspaceId);
    if (device && device.tenantId !== req.targetWorkspaceId) {
      return noDevice(
        'DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW',
        `device ${req.deviceUid} belongs to workspace ${device.tenantId}, not ${req.targetWorkspaceId}`,
      );
    }
    if (!device) {
      if (req.mode !== 'register' || !req.createMissing)
        return noDevice('DEVICE_NOT_FOUND', `no device ${req.deviceUid} in ${req.targetWorkspaceId}`);
      const inventory = req.batch ? await rowInventoryFields(tx, req.batch.rowId) : null;
      device = await createIdleDevice(tx, {
        uid: req.deviceUid,
        tenantId: req.targetWorkspaceId,
        serviceTypeId: req.serviceTypeId ?? entry?.serviceTypeId ?? DEFAULT_SERVICE_TYPE_ID,
        imei2: inventory?.imei2,
        deviceType: inventory?.deviceType && isDeviceTypeName(inventory.deviceType) ? DeviceTypes[inventory.deviceType] : undefined,
        provisionType: inventory?.provisionType,
      });
    }
    const verdict =
      req.mode === 'exit'
        ? await exitWorkflow(tx, req, device)
        : req.mode === 'action'
          ? await applyStateAction(tx, req, device)
          : entry
            ? await assignWorkflow(tx, req, device, entry)
            : await registerOnly(tx, req, device);
    return { ...verdict, deviceId: device.id };
  }

  async function assignWorkflow(
    tx: PgTransaction,
    req: DeviceAssignmentRequest,
    device: DeviceRecord,
    entry: CatalogueWorkflow,
  ): Promise<Verdict> {
    if (device.serviceTypeId !== entry.serviceTypeId) {
      return verdict(
        'INVALID_SERVICE_TYPE',
        `device has service type ${device.serviceTypeId}, workflow ${entry.name} needs ${entry.serviceTypeId}`,
      );
    }
    if (req.mode === 'assign' && !directAssignStates.includes(device.stateId)) {
      return verdict(
        'WRONG_STATE_DEVICE',
        `device is ${describeState(device.stateId)}; direct assignment needs READY_FOR_USE, ACTIVE or LOCKED`,
      );
    }
    // A device already READY_FOR_USE in a register file gets the pending workflow all the same (seed 000, option 2).
    if (req.mode === 'register' && device.stateId !== DeviceState.READY_FOR_USE) {
      const refusal = await register(tx, req, device, { pendingWorkflowId: entry.id, workflowName: entry.name });
      if (refusal) return refusal;
    }
    const claim = await claimAssignment(mongo, {
      tenantId: req.targetWorkspaceId,
      deviceUid: req.deviceUid,
      key: assignmentKey(req),
      catalogueEntry: entry,
      requestedBy: req.requestedBy,
    });
    if (claim !== 'CLAIMED') {
      return verdict(
        'DEVICE_ALREADY_HAS_WORKFLOW',
        `device already has workflow ${claim.workflow?.workflowName ?? claim.workflow_version_id}`,
      );
    }
    await insertMilestone(tx, milestoneOf(req, device.id, 'ASSIGN_WORKFLOW_REQUESTED', { workflowId: entry.id, workflowName: entry.name }));
    return verdict('OK', `workflow ${entry.name} assigned`);
  }

  /** Applies REGISTER; a refusal when the device did not end READY_FOR_USE. */
  async function register(
    tx: PgTransaction,
    req: DeviceAssignmentRequest,
    device: DeviceRecord,
    historyExtFields: Record<string, unknown>,
  ): Promise<Verdict | null> {
    const registered = await applyDeviceActionIn(tx, {
      deviceId: device.id,
      action: 'REGISTER',
      source: req.source,
      batchActionId: req.batch?.batchId ?? null,
      idempotencyKey: req.batch ? null : `${req.requestKey}/REGISTER`,
      historyExtFields,
    });
    if (!registered.ok) return verdict('REGISTER_FAILED', `REGISTER could not be applied: ${registered.message}`);
    if (registered.toStateId !== DeviceState.READY_FOR_USE) {
      return verdict('REGISTER_FAILED', `REGISTER left the device ${describeState(registered.toStateId)}, not READY_FOR_USE`);
    }
    return null;
  }

  /** Register mode without a workflow: the device ends READY_FOR_USE (one already there is left as it is). */
  async function registerOnly(tx: PgTransaction, req: DeviceAssignmentRequest, device: DeviceRecord): Promise<Verdict> {
    if (device.stateId === DeviceState.READY_FOR_USE) return verdict('OK', 'device is already READY_FOR_USE');
    return (await register(tx, req, device, {})) ?? verdict('OK', 'device registered: READY_FOR_USE');
  }

  /** Mode action: the state action through the state machine, recorded as done by the batch; refused while a temp lock runs. */
  async function applyStateAction(tx: PgTransaction, req: DeviceAssignmentRequest, device: DeviceRecord): Promise<Verdict> {
    const action = req.stateAction;
    if (!action) return verdict('INVALID_TRANSITION', 'the batch names no state action');
    if (action === 'LOCK' || action === 'UNLOCK') {
      const lock = await findCurrentTempLock(pool, device.id);
      if (lock)
        return verdict(
          'TEMP_LOCK_RUNNING',
          `temp lock ${lock.actionId} runs on the device (${lock.status}); cancel it, then retry the row`,
        );
    }
    const applied = await applyDeviceActionIn(tx, {
      deviceId: device.id,
      action,
      source: req.source,
      batchActionId: req.batch?.batchId ?? null,
      idempotencyKey: req.batch ? null : `${req.requestKey}/${action}`,
      historyExtFields: { requestedBy: req.requestedBy },
    });
    if (!applied.ok) return verdict('INVALID_TRANSITION', applied.message);
    return verdict('OK', `${action}: ${describeState(applied.fromStateId)} → ${describeState(applied.toStateId)}`);
  }

  async function exitWorkflow(tx: PgTransaction, req: DeviceAssignmentRequest, device: DeviceRecord): Promise<Verdict> {
    if (!directAssignStates.includes(device.stateId)) {
      return verdict(
        'WRONG_STATE_DEVICE',
        `device is ${describeState(device.stateId)}; exiting a workflow needs READY_FOR_USE, ACTIVE or LOCKED`,
      );
    }
    const exit = await exitAssignment(mongo, req.targetWorkspaceId, req.deviceUid, assignmentKey(req));
    if (!exit.exited) return verdict('DEVICE_HAS_NO_WORKFLOW', 'the device has no active workflow to exit');
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
  async function reconcile(tx: PgTransaction, req: DeviceAssignmentRequest): Promise<RowResult | null> {
    const key = assignmentKey(req);
    const doc = await findDeviceDocument(mongo, req.targetWorkspaceId, req.deviceUid);
    const device = await findDeviceInTree(tx, req.deviceUid, req.callerTenantId, req.targetWorkspaceId);
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
          const earlier = await claimPendingRow(tx, req.batch.batchId, req.batch.rowId);
          if (earlier) return { ...earlier, alreadyRecorded: true };
        }
        const result = await decide(tx, req);
        if (req.batch) await writeRowResult(tx, req.batch.rowId, result);
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
          const earlier = await claimPendingRow(tx, req.batch.batchId, req.batch.rowId);
          if (earlier) return { ...earlier, alreadyRecorded: true };
        }
        const result = (await reconcile(tx, req)) ?? { ...ending, deviceId: null };
        if (req.batch) await writeRowResult(tx, req.batch.rowId, result);
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

function noDevice(code: DeviceResultCode, message: string): RowResult {
  return { code, message, deviceId: null };
}
