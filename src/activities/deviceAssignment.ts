// What happens to one device in a batch (SPEC §3): the per-device activity of the deviceAssign
// workflow. One call validates, registers (register mode), assigns or exits the workflow, writes
// the milestone and the device's result row, so a child workflow costs one activity round trip.
//
// Idempotency: the result row is locked (FOR UPDATE) and only a PENDING row is worked on, inside one
// PostgreSQL transaction with the state change and the milestone (unique per batch, device and
// type). MongoDB writes are single-document and keyed by the assignment key, so a retry after a
// failed commit finds its own earlier write and carries on instead of assigning twice.
import { MongoServerError } from 'mongodb';
import { Pool, PoolClient } from 'pg';
import { applyDeviceActionIn, HistorySource } from '../db/deviceLifecycleStore';
import { inTransaction } from '../db/postgres';
import { deviceDocumentId, findDeviceDocument, workflowStepId } from '../db/deviceDocumentKeys';
import { DeviceWorkflowDoc, MongoStores } from '../db/mongo';
import { CatalogueWorkflow, cachedWorkflowLookup } from '../db/workflowCatalogue';
import { AssignmentMode, directAssignStates, modeNeedsWorkflow } from '../domain/assignmentModes';
import { DeviceState } from '../domain/deviceStates';
import { describeState } from '../domain/deviceLifecycle';
import { DeviceResultCode } from '../domain/errorCodes';

export interface DeviceAssignmentRequest {
  /** The workspace the device must belong to (the batch's target workspace). */
  tenantId: string;
  deviceUid: string;
  mode: AssignmentMode;
  workflowVersionId: string | null;
  /** Tenants whose catalogue may hold the workflow (the caller's tenant and the target workspace). */
  catalogueTenantIds: string[];
  /** Service type of devices created by register mode with createMissing. */
  serviceTypeId: number | null;
  createMissing: boolean;
  requestedBy: string;
  source: Extract<HistorySource, 'BATCH' | 'API'>;
  /** Set for batch rows: the row to lock and to write the result to. */
  batch: { batchId: string; rowId: number } | null;
  /** Set outside batches: makes the single-device request idempotent. */
  requestKey: string | null;
}

export interface DeviceAssignmentResult {
  code: DeviceResultCode;
  message: string;
  deviceId: number | null;
  /** True when an earlier attempt (or a cancel) had already written this row's result. */
  alreadyRecorded: boolean;
}

interface DeviceFound {
  id: number;
  tenantId: string;
  stateId: number;
  serviceTypeId: number;
}

type Outcome = { code: DeviceResultCode; message: string; deviceId: number | null };

export function createDeviceAssignmentActivities({ pool, mongo }: { pool: Pool; mongo: MongoStores }) {
  const findWorkflow = cachedWorkflowLookup(mongo);

  async function decide(client: PoolClient, req: DeviceAssignmentRequest): Promise<Outcome> {
    let workflow: CatalogueWorkflow | null = null;
    if (modeNeedsWorkflow(req.mode)) {
      workflow = req.workflowVersionId ? await findWorkflow(req.workflowVersionId, req.catalogueTenantIds) : null;
      if (!workflow) return fail('WORKFLOW_NOT_FOUND', `workflow ${req.workflowVersionId} is not an active workflow of this tenant`);
    }
    let device = await findDeviceForTenant(client, req.deviceUid, req.tenantId);
    if (device === 'ELSEWHERE') {
      return fail('DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW', `device ${req.deviceUid} belongs to another tenant or workspace`);
    }
    if (!device) {
      if (req.mode !== 'register' || !req.createMissing) return fail('DEVICE_NOT_FOUND', `no device ${req.deviceUid} in ${req.tenantId}`);
      device = await createIdleDevice(client, req, req.serviceTypeId ?? workflow!.serviceTypeId);
    }
    const at = (o: Omit<Outcome, 'deviceId'>): Outcome => ({ ...o, deviceId: (device as DeviceFound).id });

    if (req.mode === 'exit') return at(await exitWorkflow(client, req, device));

    if (device.serviceTypeId !== workflow!.serviceTypeId) {
      return at(
        failed(
          'INVALID_SERVICE_TYPE',
          `device has service type ${device.serviceTypeId}, workflow ${workflow!.name} needs ${workflow!.serviceTypeId}`,
        ),
      );
    }
    if (req.mode === 'assign' && !directAssignStates.includes(device.stateId)) {
      return at(
        failed('WRONG_STATE_DEVICE', `device is ${describeState(device.stateId)}; direct assignment needs READY_FOR_USE, ACTIVE or LOCKED`),
      );
    }
    if (req.mode === 'register') {
      const registered = await applyDeviceActionIn(client, {
        deviceId: device.id,
        action: 'REGISTER',
        source: req.source,
        batchActionId: req.batch?.batchId ?? null,
        idempotencyKey: req.batch ? null : `${req.requestKey}/REGISTER`,
        historyExtFields: { pendingWorkflowId: workflow!.id, workflowName: workflow!.name },
      });
      if (!registered.ok) return at(failed('REGISTER_FAILED', `REGISTER could not be applied: ${registered.message}`));
      if (registered.toStateId !== DeviceState.READY_FOR_USE) {
        return at(failed('REGISTER_FAILED', `REGISTER left the device ${describeState(registered.toStateId)}, not READY_FOR_USE`));
      }
    }
    return at(await assignWorkflow(client, req, device, workflow!));
  }

  async function assignWorkflow(client: PoolClient, req: DeviceAssignmentRequest, device: DeviceFound, workflow: CatalogueWorkflow) {
    const key = assignmentKey(req);
    const claim = await claimAssignment(req, workflow, key);
    if (claim !== 'CLAIMED') {
      return failed(
        'DEVICE_ALREADY_HAS_WORKFLOW',
        `device already has workflow ${claim.workflow?.workflowName ?? claim.workflow_version_id}`,
      );
    }
    await mongo.deviceWorkflowSteps.updateOne(
      { _id: workflowStepId(req.tenantId, req.deviceUid, key) },
      {
        $setOnInsert: {
          tenant_id: req.tenantId,
          device_uid: req.deviceUid,
          assignment_key: key,
          workflow_version_id: workflow.id,
          status: 'PENDING',
          created_at: new Date(),
        },
      },
      { upsert: true },
    );
    await insertMilestone(client, req, device, 'ASSIGN_WORKFLOW_REQUESTED', { workflowId: workflow.id, workflowName: workflow.name });
    return ok(`workflow ${workflow.name} assigned`);
  }

  /** Sets the device document's workflow unless another assignment holds it; 'CLAIMED' also for our own earlier write. */
  async function claimAssignment(
    req: DeviceAssignmentRequest,
    workflow: CatalogueWorkflow,
    key: string,
  ): Promise<'CLAIMED' | DeviceWorkflowDoc> {
    const filter = { tenant_id: req.tenantId, device_uid: req.deviceUid };
    const assigned = {
      is_activating_workflow: true,
      workflow_version_id: workflow.id,
      workflow: { workflowId: workflow.id, workflowName: workflow.name, assignedAt: new Date(), assignedBy: req.requestedBy },
      assignment_key: key,
      updated_at: new Date(),
    };
    // The fast path reads by _id only; a document written with another _id is found after the
    // insert trips the unique (tenant, UID) index.
    let fallback = false;
    for (let attempt = 0; attempt < 3; attempt++) {
      const doc = await findDeviceDocument(mongo, req.tenantId, req.deviceUid, fallback);
      if (doc?.workflow_version_id) return doc.assignment_key === key ? 'CLAIMED' : doc;
      if (!doc) {
        try {
          await mongo.devices.insertOne({ _id: deviceDocumentId(req.tenantId, req.deviceUid), ...filter, ...assigned, exit_key: null });
          return 'CLAIMED';
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          fallback = true;
          continue;
        }
      }
      const updated = await mongo.devices.updateOne({ _id: doc._id, workflow_version_id: null }, { $set: assigned });
      if (updated.matchedCount === 1) return 'CLAIMED';
    }
    throw new Error(`device document ${req.tenantId}/${req.deviceUid} keeps changing under the assignment`);
  }

  async function exitWorkflow(client: PoolClient, req: DeviceAssignmentRequest, device: DeviceFound) {
    const key = assignmentKey(req);
    const doc = await findDeviceDocument(mongo, req.tenantId, req.deviceUid);
    let previous = doc?.workflow ?? null;
    if (!doc?.workflow_version_id) {
      if (doc?.exit_key !== key) return failed('DEVICE_HAS_NO_WORKFLOW', 'the device has no active workflow to exit');
    } else {
      await mongo.devices.updateOne(
        { _id: doc._id, workflow_version_id: doc.workflow_version_id },
        {
          $set: {
            is_activating_workflow: false,
            workflow_version_id: null,
            workflow: null,
            assignment_key: null,
            exit_key: key,
            updated_at: new Date(),
          },
        },
      );
      previous = doc.workflow;
    }
    const stepKey = doc?.assignment_key;
    await mongo.deviceWorkflowSteps.updateMany(
      stepKey
        ? { _id: workflowStepId(req.tenantId, req.deviceUid, stepKey), status: { $in: ['PENDING', 'RUNNING'] } }
        : { tenant_id: req.tenantId, device_uid: req.deviceUid, status: { $in: ['PENDING', 'RUNNING'] } },
      { $set: { status: 'CANCELLED' } },
    );
    await insertMilestone(client, req, device, 'EXIT_WORKFLOW_REQUESTED', {
      workflowId: previous?.workflowId,
      workflowName: previous?.workflowName,
    });
    return ok(previous ? `workflow ${previous.workflowName} exited` : 'workflow exited');
  }

  return {
    /** Does one device's work and records its result; business failures come back as the result. */
    async assignDevice(req: DeviceAssignmentRequest): Promise<DeviceAssignmentResult> {
      return inTransaction(pool, async (client) => {
        if (req.batch) {
          const earlier = await lockPendingRow(client, req.batch);
          if (earlier) return earlier;
        }
        const outcome = await decide(client, req);
        if (req.batch) await writeRowResult(client, req.batch.rowId, outcome);
        return { ...outcome, alreadyRecorded: false };
      });
    },

    /** Records a result without doing the work (INTERNAL_ERROR after retries ran out); no-op unless PENDING. */
    async recordDeviceResult(input: { rowId: number; code: DeviceResultCode; message: string }): Promise<void> {
      await pool.query(
        `UPDATE t_batch_action_device SET status = $2, is_success = $3, result = $4, finished_at = now()
          WHERE id = $1 AND status = 'PENDING'`,
        [
          input.rowId,
          input.code === 'OK' ? 'SUCCEEDED' : 'FAILED',
          input.code === 'OK',
          JSON.stringify({ code: input.code, message: input.message }),
        ],
      );
    },
  };
}

async function lockPendingRow(client: PoolClient, batch: { batchId: string; rowId: number }): Promise<DeviceAssignmentResult | null> {
  const { rows } = await client.query<{
    status: string;
    result: { code: DeviceResultCode; message: string } | null;
    device_id: string | null;
  }>('SELECT status, result, device_id FROM t_batch_action_device WHERE id = $1 AND batch_action_id = $2 FOR UPDATE', [
    batch.rowId,
    batch.batchId,
  ]);
  const row = rows[0];
  if (!row) throw new Error(`batch ${batch.batchId} has no row ${batch.rowId}`);
  if (row.status === 'PENDING') return null;
  return {
    code: row.result?.code ?? (row.status === 'CANCELLED' ? 'CANCELLED' : 'INTERNAL_ERROR'),
    message: row.result?.message ?? `row is ${row.status}`,
    deviceId: row.device_id === null ? null : Number(row.device_id),
    alreadyRecorded: true,
  };
}

async function writeRowResult(client: PoolClient, rowId: number, outcome: Outcome): Promise<void> {
  const succeeded = outcome.code === 'OK';
  await client.query(
    `UPDATE t_batch_action_device SET status = $2, is_success = $3, result = $4, device_id = $5, finished_at = now()
      WHERE id = $1 AND status = 'PENDING'`,
    [
      rowId,
      succeeded ? 'SUCCEEDED' : 'FAILED',
      succeeded,
      JSON.stringify({ code: outcome.code, message: outcome.message }),
      outcome.deviceId,
    ],
  );
}

/** The device with this UID in `tenantId`, 'ELSEWHERE' if only another tenant has it, or null. */
async function findDeviceForTenant(client: PoolClient, uid: string, tenantId: string): Promise<DeviceFound | 'ELSEWHERE' | null> {
  const { rows } = await client.query<{ id: string; tenant_id: string; state_id: number; service_type_id: number }>(
    'SELECT id, tenant_id, state_id, service_type_id FROM t_device WHERE uid = $1',
    [uid],
  );
  const own = rows.find((r) => r.tenant_id === tenantId);
  if (own) return { id: Number(own.id), tenantId: own.tenant_id, stateId: own.state_id, serviceTypeId: own.service_type_id };
  return rows.length > 0 ? 'ELSEWHERE' : null;
}

/** Register mode with createMissing: the inventory upload of seed 001 (a new IDLE device). */
async function createIdleDevice(client: PoolClient, req: DeviceAssignmentRequest, serviceTypeId: number): Promise<DeviceFound> {
  const { rows } = await client.query<{ id: string; state_id: number; service_type_id: number }>(
    `INSERT INTO t_device (uid, tenant_id, state_id, service_type_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (tenant_id, uid) DO UPDATE SET updated_at = t_device.updated_at
     RETURNING id, state_id, service_type_id`,
    [req.deviceUid, req.tenantId, DeviceState.IDLE, serviceTypeId],
  );
  const row = rows[0]!;
  return { id: Number(row.id), tenantId: req.tenantId, stateId: row.state_id, serviceTypeId: row.service_type_id };
}

async function insertMilestone(
  client: PoolClient,
  req: DeviceAssignmentRequest,
  device: DeviceFound,
  milestone: 'ASSIGN_WORKFLOW_REQUESTED' | 'EXIT_WORKFLOW_REQUESTED',
  extFields: Record<string, unknown>,
): Promise<void> {
  await client.query(
    `INSERT INTO t_device_history (device_id, milestone_type, source, batch_action_id, idempotency_key, ext_fields)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [
      device.id,
      milestone,
      req.source,
      req.batch?.batchId ?? null,
      req.batch ? null : `${req.requestKey}/${milestone}`,
      JSON.stringify({ ...extFields, requestedBy: req.requestedBy }),
    ],
  );
}

function assignmentKey(req: DeviceAssignmentRequest): string {
  return req.batch ? `batch/${req.batch.batchId}` : `api/${req.requestKey}`;
}

function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === 11000;
}

function ok(message: string) {
  return { code: 'OK' as const, message };
}

function failed(code: DeviceResultCode, message: string) {
  return { code, message };
}

function fail(code: DeviceResultCode, message: string): Outcome {
  return { code, message, deviceId: null };
}
