// Test-only. Proves the whole harness in one small story: a workflow on the real server, run by the worker,
// that registers a device through the state machine (PostgreSQL) and ensures its document (MongoDB).
import { proxyActivities } from '@temporalio/workflow';
import type { StoresProbeActivities } from './storesProbeActivities';

const { applyDeviceLifecycleAction, findDevice, ensureDeviceDocument } = proxyActivities<StoresProbeActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

export interface StoresProbeInput {
  tenantId: string;
  deviceUid: string;
}

export interface StoresProbeResult {
  stateBefore: number;
  stateAfter: number;
  registered: boolean;
  message: string | null;
  documentHasWorkflow: boolean;
}

export async function storesProbe({ tenantId, deviceUid }: StoresProbeInput): Promise<StoresProbeResult> {
  const device = await findDevice({ tenantId, uid: deviceUid });
  if (!device) throw new Error(`device ${deviceUid} not found in tenant ${tenantId}`);
  const outcome = await applyDeviceLifecycleAction({
    deviceId: device.id,
    action: 'REGISTER',
    source: 'SYSTEM',
    idempotencyKey: `stores-probe/${tenantId}/${deviceUid}`,
  });
  const after = await findDevice({ tenantId, uid: deviceUid });
  const document = await ensureDeviceDocument({ tenantId, deviceUid });
  return {
    stateBefore: device.stateId,
    stateAfter: after?.stateId ?? device.stateId,
    registered: outcome.ok,
    message: outcome.ok ? null : outcome.message,
    documentHasWorkflow: document.workflowVersionId !== null,
  };
}
