// Helpers for the BatchAssign integration tests: a tenant with a catalogue workflow and devices,
// CSV uploads through the API, and waiting for a batch to end.
import { randomUUID } from 'node:crypto';
import { batchOptionsToExtFields } from '../../src/batches/options';
import { BatchRecord } from '../../src/batches/store';
import { createBatchWithRows } from '../../src/batches/uploadStore';
import { applyDeviceAction, SeedDevice, insertDevices, upsertWorkflowVersion, imeiWithCheckDigit } from '../../dev/inventorySeed';
import { DeviceState } from '../../src/devices/states';
import type { operations } from '../../src/platform/openapi/types';
import { RequestOptions, Schemas, apiClient, expectStatus } from './apiClient';
import { TestStack, createTenantWithKey, startServingStack, waitFor } from './harness';

export interface BatchTenant {
  tenantId: string;
  apiKey: string;
  workflowId: string;
  /** A fresh valid IMEI on every call. */
  nextImei(): string;
}

let imeiCounter = Math.floor(Math.random() * 1e9);

export function freshImei(): string {
  imeiCounter += 1;
  return imeiWithCheckDigit(`35${String(imeiCounter).padStart(12, '0')}`);
}

export async function batchTenant(stack: TestStack, serviceTypeId = 1): Promise<BatchTenant> {
  const { tenantId, apiKey } = await createTenantWithKey(stack);
  const workflowId = await upsertWorkflowVersion(stack.mongo, { name: `Workflow of ${tenantId}`, tenantId, serviceTypeId });
  return { tenantId, apiKey, workflowId, nextImei: freshImei };
}

/** The serving stack with a batch tenant and its API client: what most batch tests start from. */
export async function startBatchStack() {
  const { stack, base, stop } = await startServingStack();
  const tenant = await batchTenant(stack);
  return { stack, base, stop, tenant, api: apiClient(base, tenant.apiKey) };
}

/** Inserts `count` devices in `stateId` and returns their UIDs. */
export async function seedDevices(
  stack: TestStack,
  tenantId: string,
  count: number,
  stateId: number = DeviceState.READY_FOR_USE,
  extra: Partial<SeedDevice> = {},
): Promise<string[]> {
  const uids = Array.from({ length: count }, () => freshImei());
  await insertDevices(
    stack.pool,
    tenantId,
    uids.map((uid) => ({ uid, stateId, ...extra })),
  );
  return uids;
}

export function csvOf(uids: string[], header = 'deviceUid'): string {
  return [header, ...uids].join('\n') + '\n';
}

/** The upload's query parameters, as the OpenAPI document types them. */
export type UploadQuery = RequestOptions<operations['uploadBatch']>['query'];

/** POST /v1/batches with a CSV body through the typed client; `headers` may override its Content-Type. */
export function uploadCsv(base: string, apiKey: string, csv: string | Buffer, query: UploadQuery, headers: Record<string, string> = {}) {
  return apiClient(base, apiKey).post('/batches', { query, body: csv, headers });
}

export async function waitForBatchEnd(base: string, apiKey: string, batchId: string, timeoutMs = 90_000): Promise<Schemas['BatchStatus']> {
  const api = apiClient(base, apiKey);
  return waitFor(
    `batch ${batchId} to end`,
    async () => {
      const batch = expectStatus(await api.get('/batches/{id}', { path: { id: batchId } }), 200);
      return ['COMPLETED', 'CANCELLED', 'FAILED'].includes(batch.status) ? batch : undefined;
    },
    timeoutMs,
  );
}

/** Rows of a batch as uid → {status, code}. */
export async function batchRows(
  stack: TestStack,
  batchId: string,
): Promise<Map<string, { status: string; code: string | null; rows: number }>> {
  const { rows } = await stack.pool.query(
    `SELECT device_uid, status, result->>'code' AS code FROM t_batch_action_device WHERE batch_action_id = $1 ORDER BY row_number`,
    [batchId],
  );
  const out = new Map<string, { status: string; code: string | null; rows: number }>();
  for (const r of rows) {
    const seen = out.get(r.device_uid);
    out.set(r.device_uid, { status: r.status, code: r.code, rows: (seen?.rows ?? 0) + 1 });
  }
  return out;
}

export async function registerDevice(stack: TestStack, tenantId: string, uid: string): Promise<void> {
  const { rows } = await stack.pool.query('SELECT id FROM t_device WHERE tenant_id = $1 AND uid = $2', [tenantId, uid]);
  const result = await applyDeviceAction(stack.pool, { deviceId: Number(rows[0].id), action: 'REGISTER', source: 'SYSTEM' });
  if (!result.ok) throw new Error(result.message);
}

/** Milestones of a batch per device and type (each must be 1). */
export async function milestoneCounts(stack: TestStack, batchId: string): Promise<{ uid: string; milestone: string; n: number }[]> {
  const { rows } = await stack.pool.query(
    `SELECT d.uid, h.milestone_type AS milestone, count(*)::int AS n FROM t_device_history h JOIN t_device d ON d.id = h.device_id
      WHERE h.batch_action_id = $1 GROUP BY d.uid, h.milestone_type ORDER BY d.uid, h.milestone_type`,
    [batchId],
  );
  return rows;
}

/** Rows of a batch that have their result (not PENDING). */
export async function doneRowCount(stack: TestStack, batchId: string): Promise<number> {
  const { rows } = await stack.pool.query(
    `SELECT count(*)::int AS n FROM t_batch_action_device WHERE batch_action_id = $1 AND status <> 'PENDING'`,
    [batchId],
  );
  return rows[0].n;
}

/** Exactly one result per device, one milestone per device and type, one assignment per device; returns rows by status. */
export async function expectExactlyOnce(
  stack: TestStack,
  tenantId: string,
  batchId: string,
  uids: string[],
): Promise<Record<string, number>> {
  const rows = await stack.pool.query(
    `SELECT device_uid, count(*)::int AS n, min(status) AS status FROM t_batch_action_device WHERE batch_action_id = $1 GROUP BY device_uid`,
    [batchId],
  );
  expect(rows.rows).toHaveLength(uids.length);
  expect(rows.rows.every((r) => r.n === 1 && r.status !== 'PENDING')).toBe(true);
  expect((await milestoneCounts(stack, batchId)).every((m) => m.n === 1)).toBe(true);
  const steps = await stack.mongo.deviceWorkflowSteps.countDocuments({ tenant_id: tenantId, assignment_key: `batch/${batchId}` });
  const assigned = await stack.mongo.devices.countDocuments({ tenant_id: tenantId, assignment_key: `batch/${batchId}` });
  const byStatus: Record<string, number> = {};
  for (const r of rows.rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  expect(steps).toBe(byStatus.SUCCEEDED ?? 0);
  expect(assigned).toBe(byStatus.SUCCEEDED ?? 0);
  return byStatus;
}

/** A batch of these devices stored as an upload stores it (CREATED, mode assign), its workflow not started. */
export async function storeBatch(stack: TestStack, tenant: BatchTenant, uids: string[]): Promise<BatchRecord> {
  const options = {
    mode: 'assign' as const,
    catalogueWorkflowId: tenant.workflowId,
    serviceTypeId: null,
    targetWorkspaceId: tenant.tenantId,
    createMissing: false,
    stateAction: null,
    catalogueTenantIds: [tenant.tenantId],
    failureThreshold: null,
    schedule: null,
  };
  const rows = (async function* () {
    yield uids.map((uid, i) => ({ rowNumber: i + 1, uid, imei2: null, rejection: null }));
  })();
  const { batch } = await createBatchWithRows(
    stack.pool,
    {
      id: randomUUID(),
      tenantId: tenant.tenantId,
      createdBy: 'test',
      idempotencyKey: null,
      extFields: (counts) => ({ ...batchOptionsToExtFields(options, null), rows: counts }),
    },
    rows,
  );
  return batch;
}
