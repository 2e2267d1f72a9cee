// The benchmark's no-work ceiling: the product's BatchAssign parent with a per-device child of the
// same type name that returns at once, so a batch measures only the parent + child machinery of the
// Temporal server. Bundled by the bench worker for its no-work task queue, never by the product worker.
import { DeviceAssignInput, DeviceAssignmentResult, reportingToBatch } from '../src/devices/deviceAssignWorkflow';

export { batchAssign } from '../src/batches/batchAssignWorkflow';

export async function deviceAssign(input: DeviceAssignInput): Promise<DeviceAssignmentResult> {
  return reportingToBatch(input, async () => ({
    code: 'OK',
    message: 'no work done (benchmark ceiling)',
    deviceId: null,
    alreadyRecorded: false,
  }));
}
