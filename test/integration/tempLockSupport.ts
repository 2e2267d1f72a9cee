// Shared set-up for the temp-lock tests: a tenant with operator and device-gateway keys, a device with an
// active workflow assignment, API calls, and reads of what the lock wrote.
import { ObjectId } from 'mongodb';
import { createApiKey, insertDevices, imeiWithCheckDigit } from '../../dev/inventorySeed';
import { DeviceState } from '../../src/devices/states';
import { RecordedCommand } from '../doubles/simulatedGateway';
import type { operations } from '../../src/platform/openapi/types';
import { apiClient, expectStatus } from './apiClient';
import { TestStack, createTenantWithKey, startTestStack, waitFor } from './harness';
import { tempLockWorkflowId } from '../../src/tempLocks/lock';

export interface LockableDevice {
  tenantId: string;
  uid: string;
  deviceId: number;
  operatorKey: string;
  gatewayKey: string;
}

export async function lockableDevice(
  stack: TestStack,
  {
    withWorkflow = true,
    stateId = DeviceState.ACTIVE as number,
    /** Another device of this one's tenant (the default: a tenant of its own). */
    sameTenantAs = undefined as LockableDevice | undefined,
  } = {},
): Promise<LockableDevice> {
  const { tenantId, apiKey } = sameTenantAs
    ? { tenantId: sameTenantAs.tenantId, apiKey: sameTenantAs.operatorKey }
    : await createTenantWithKey(stack);
  const gatewayKey = sameTenantAs?.gatewayKey ?? (await createApiKey(stack.pool, tenantId, `gateway-${tenantId}`, 'device_gateway'));
  const uid = imeiWithCheckDigit(`35${String(Math.floor(Math.random() * 1e12)).padStart(12, '0')}`);
  await insertDevices(stack.pool, tenantId, [{ uid, stateId }]);
  const { rows } = await stack.pool.query('SELECT id FROM t_device WHERE tenant_id = $1 AND uid = $2', [tenantId, uid]);
  await stack.mongo.devices.updateOne(
    { tenant_id: tenantId, device_uid: uid },
    {
      $set: {
        tenant_id: tenantId,
        device_uid: uid,
        is_activating_workflow: false,
        workflow_version_id: withWorkflow ? new ObjectId().toHexString() : null,
        workflow: null,
        updated_at: new Date(),
      },
    },
    { upsert: true },
  );
  return { tenantId, uid, deviceId: Number(rows[0].id), operatorKey: apiKey, gatewayKey };
}

/** The body of assignTempLock, as the OpenAPI document types it. */
export type TempLockRequest = operations['assignTempLock']['requestBody']['content']['application/json'];

/** Typed API clients for a lockable device: its operator's key, its device gateway's key, and its path parameter. */
export function lockClients(base: string, device: LockableDevice) {
  return { operator: apiClient(base, device.operatorKey), gateway: apiClient(base, device.gatewayKey), uid: { path: { uid: device.uid } } };
}

/** Assigns a temp lock through the API (202); its action id. */
export async function assignLock(base: string, device: LockableDevice, body: TempLockRequest): Promise<string> {
  const { operator, uid } = lockClients(base, device);
  return expectStatus(await operator.put('/devices/{uid}/temp-lock', { ...uid, body }), 202).actionId;
}

/** The device checks in through the API, as its gateway does. */
export function checkInDevice(base: string, device: LockableDevice) {
  const { gateway, uid } = lockClients(base, device);
  return gateway.post('/devices/{uid}/check-in', uid);
}

export async function deviceRow(stack: TestStack, deviceId: number) {
  const { rows } = await stack.pool.query('SELECT state_id, previous_state_id, ext_fields FROM t_device WHERE id = $1', [deviceId]);
  return rows[0] as { state_id: number; previous_state_id: number | null; ext_fields: Record<string, unknown> };
}

export async function milestones(stack: TestStack, deviceId: number): Promise<string[]> {
  const { rows } = await stack.pool.query('SELECT milestone_type FROM t_device_history WHERE device_id = $1 ORDER BY id', [deviceId]);
  return rows.map((r) => r.milestone_type);
}

/**
 * The lock's statuses from its history entries. A transition is written to PostgreSQL first (what check-ins are
 * answered from), then to the action document, then to its history entry: this waits until the history holds every
 * transition (seq 1, 2, …) the other two already show, so a test that saw a status elsewhere reads it here too.
 */
export async function statusesOf(stack: TestStack, actionId: string): Promise<string[]> {
  return waitFor(`the history of ${actionId} to catch up`, async () => {
    const row = await stack.pool.query<{ seq: number }>('SELECT seq FROM t_device_temp_lock WHERE action_id = $1', [actionId]);
    const doc = await stack.mongo.deviceActions.findOne({ _id: actionId });
    const known = Math.max(row.rows[0]?.seq ?? 0, doc?.seq ?? 0);
    const history = await stack.mongo.deviceActionHistory.find({ action_id: actionId }).sort({ seq: 1 }).toArray();
    return history.length >= known && history.map((h) => h.status);
  });
}

/**
 * Waits for the action document to show the status and for its history entry: a transition updates the document
 * first and inserts the history entry after, so a test reading the history right after the document could miss it.
 */
export function waitForStatus(stack: TestStack, actionId: string, status: string, timeoutMs = 30_000) {
  return waitFor(
    `action ${actionId} to be ${status}`,
    async () => {
      const doc = await stack.mongo.deviceActions.findOne({ _id: actionId });
      if (doc?.status !== status) return undefined;
      const entry = await stack.mongo.deviceActionHistory.findOne({ _id: `${actionId}/${doc.seq}` });
      return entry ? doc : undefined;
    },
    timeoutMs,
  );
}

export function waitForCommand(stack: TestStack, actionId: string, kind: 'LOCK' | 'UNLOCK', timeoutMs = 30_000): Promise<RecordedCommand> {
  return waitFor(
    `${kind} command of ${actionId}`,
    async () => stack.gateway.commands.find((c) => c.actionId === actionId && c.kind === kind),
    timeoutMs,
  );
}

export function commandsOf(stack: TestStack, actionId: string): string[] {
  return stack.gateway.commands.filter((c) => c.actionId === actionId).map((c) => c.kind);
}

/** The inventory LOCK runs alongside the lock's timer, so it may land a moment after the ACTIVATED status. */
export function waitForDeviceState(stack: TestStack, deviceId: number, stateId: number) {
  return waitFor(`device ${deviceId} in state ${stateId}`, async () => {
    const row = await deviceRow(stack, deviceId);
    return row.state_id === stateId ? row : undefined;
  });
}

/**
 * Cancels the device's lock through the API, then checks the device in as a real one does after its UNLOCK, until
 * the lock has ended: a cancelled lock answers check-ins UNLOCK and waits for one (or its deactivation wait)
 * before it ends. Returns every directive the device was told after the cancel, in order.
 */
export async function cancelLock(base: string, device: LockableDevice, actionId: string, endsAs = 'CANCELLED'): Promise<string[]> {
  const { operator, gateway, uid } = lockClients(base, device);
  expect(await operator.delete('/devices/{uid}/temp-lock', uid)).toMatchObject({ status: 202, body: { actionId, status: 'CANCELLING' } });
  const told: string[] = [];
  await waitFor(`action ${actionId} to end ${endsAs} as the device checks in`, async () => {
    const answer = await gateway.post('/devices/{uid}/check-in', uid);
    if (answer.status === 200) told.push(answer.body.directive);
    return answer.status === 200 && answer.body.actionId === actionId && answer.body.status === endsAs;
  });
  return told;
}

/**
 * The stack of a storm of locks that never see a check-in: a worker polling, the API listening, and a stop that
 * ends every lock listed in `started` without another command before closing the stack.
 */
export async function startStormStack(env: Record<string, string>) {
  const stack = await startTestStack(env);
  const worker = await stack.newWorker();
  const running = worker.run();
  const base = await stack.startApi();
  const started: LockableDevice[] = [];
  const stop = async () => {
    await Promise.all(
      started.map((d) =>
        stack.client.workflow
          .getHandle(tempLockWorkflowId(d.tenantId, d.uid))
          .terminate('test over')
          .catch(() => undefined),
      ),
    );
    worker.shutdown();
    await running;
    await stack.close();
  };
  return { stack, base, started, stop };
}
