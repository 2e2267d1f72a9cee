// The per-device rules as a batch's preview and the per-device activity both read them: which refusal applies in
// each mode, the work that follows otherwise, and the outcome predicted from a device's state and document.
import { AssignmentRules, decideDeviceWork, predictDeviceOutcome } from '../../../src/devices/assignmentRules';
import { DeviceState } from '../../../src/devices/states';

const entry = { id: '68a5ae7a4cb9e87b88b7d344', name: 'Collections', tenantId: 'acme', serviceTypeId: 1, status: 'ACTIVE' as const };
const assign: AssignmentRules = {
  mode: 'assign',
  targetWorkspaceId: 'acme',
  deviceUid: '490154203237518',
  catalogueWorkflowId: entry.id,
  serviceTypeId: null,
  createMissing: false,
};
const device = (stateId: number, extra: Partial<{ tenantId: string; serviceTypeId: number; previousStateId: number }> = {}) => ({
  tenantId: 'acme',
  stateId,
  previousStateId: null,
  serviceTypeId: 1,
  ...extra,
});
const known = { catalogueEntry: entry, tempLock: null, heldWorkflowName: null };

describe('decideDeviceWork', () => {
  it('refuses in the order the spec checks: catalogue, workspace, existence, then the mode', () => {
    expect(decideDeviceWork(assign, { ...known, catalogueEntry: null, device: null })).toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
    expect(decideDeviceWork(assign, { ...known, device: device(DeviceState.IDLE, { tenantId: 'acme-north' }) })).toMatchObject({
      code: 'DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW',
    });
    expect(decideDeviceWork(assign, { ...known, device: null })).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
    expect(decideDeviceWork(assign, { ...known, device: device(DeviceState.READY_FOR_USE, { serviceTypeId: 2 }) })).toMatchObject({
      code: 'INVALID_SERVICE_TYPE',
    });
  });

  it('register with createMissing creates a missing device, registers it and assigns the pending workflow', () => {
    const register = { ...assign, mode: 'register' as const, createMissing: true };
    expect(decideDeviceWork(register, { ...known, device: null })).toEqual({
      kind: 'work',
      create: { serviceTypeId: 1 },
      transition: 'REGISTER',
      then: 'assign',
      unchanged: null,
    });
    expect(decideDeviceWork(register, { ...known, device: device(DeviceState.READY_FOR_USE) })).toMatchObject({
      transition: null,
      then: 'assign',
    });
  });

  it('a running temp lock refuses LOCK and UNLOCK, not the other actions', () => {
    const lock = { actionId: 'a-1', status: 'ACTIVATED' };
    const action = (stateAction: 'LOCK' | 'ACTIVATE') => ({ ...assign, mode: 'action' as const, catalogueWorkflowId: null, stateAction });
    const facts = { ...known, catalogueEntry: null, tempLock: lock, device: device(DeviceState.READY_FOR_USE) };
    expect(decideDeviceWork(action('LOCK'), facts)).toMatchObject({ code: 'TEMP_LOCK_RUNNING' });
    expect(decideDeviceWork(action('ACTIVATE'), facts)).toMatchObject({ kind: 'work', transition: 'ACTIVATE', then: 'none' });
  });
});

describe('predictDeviceOutcome', () => {
  it.each([
    ['assign', DeviceState.ACTIVE, null, 'OK'],
    ['assign', DeviceState.IDLE, null, 'WRONG_STATE_DEVICE'],
    ['assign', DeviceState.READY_FOR_USE, 'Earlier', 'DEVICE_ALREADY_HAS_WORKFLOW'],
    ['register', DeviceState.IDLE, null, 'OK'],
    ['register', DeviceState.ENROLLED, null, 'REGISTER_FAILED'],
    ['exit', DeviceState.LOCKED, 'Earlier', 'OK'],
    ['exit', DeviceState.ACTIVE, null, 'DEVICE_HAS_NO_WORKFLOW'],
    ['exit', DeviceState.RELEASED, 'Earlier', 'WRONG_STATE_DEVICE'],
  ] as const)('%s of a device in state %i holding %s: %s', (mode, stateId, heldWorkflowName, code) => {
    const rules = { ...assign, mode, catalogueWorkflowId: mode === 'exit' ? null : entry.id };
    const facts = { ...known, catalogueEntry: mode === 'exit' ? null : entry, heldWorkflowName, device: device(stateId) };
    expect(predictDeviceOutcome(rules, facts).code).toBe(code);
  });

  it('mode action follows the transition table: UNLOCK needs a remembered state', () => {
    const unlock = { ...assign, mode: 'action' as const, catalogueWorkflowId: null, stateAction: 'UNLOCK' as const };
    const facts = { ...known, catalogueEntry: null };
    expect(predictDeviceOutcome(unlock, { ...facts, device: device(DeviceState.LOCKED, { previousStateId: DeviceState.ACTIVE }) })).toEqual(
      {
        code: 'OK',
        message: 'no rule refuses the device',
      },
    );
    expect(predictDeviceOutcome(unlock, { ...facts, device: device(DeviceState.ACTIVE) })).toMatchObject({ code: 'INVALID_TRANSITION' });
  });
});
