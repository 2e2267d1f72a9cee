// A deliberately non-deterministic change to deviceAssign, unguarded by patched(): it waits on a
// timer before its activity. Replaying a committed deviceAssign history against it must fail.
import { proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../../src/platform/worker/activities';
import type { DeviceAssignInput, DeviceAssignmentResult } from '../../../src/devices/deviceAssignWorkflow';

const { assignDevice } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds' });

export async function deviceAssign(input: DeviceAssignInput): Promise<DeviceAssignmentResult> {
  await sleep('1 second');
  return assignDevice(input);
}
