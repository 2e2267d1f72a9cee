// The rules that decide what happens to one device of a batch (or a single-device assign, exit or action), as pure
// functions of what is known about the device: which refusal applies, or which work follows (create, a state
// transition, then assign or exit the catalogue workflow). The per-device activity runs them before its writes and
// maps what its writes report through them; a batch's preview runs them against the inventory as it stands, so a
// prediction and a run answer from the same rules.
import type { DeviceResultCode } from '../platform/errorCodes';
import type { AssignmentMode } from '../batches/contract';
import { directAssignStates } from '../batches/contract';
import type { CatalogueWorkflow } from '../catalogue/contract';
import { DeviceAction, decideTransition, describeState } from './lifecycle';
import { DeviceState } from './states';

export interface Verdict {
  code: DeviceResultCode;
  message: string;
}

/** What a request asks of every device it names (a batch's options, or one API request's). */
export interface AssignmentRules {
  mode: AssignmentMode;
  targetWorkspaceId: string;
  deviceUid: string;
  /** The catalogue entry the request names (null when it names none). */
  catalogueWorkflowId: string | null;
  serviceTypeId: number | null;
  createMissing: boolean;
  stateAction?: DeviceAction | null;
}

/** The device as the inventory holds it: what the rules read. */
interface DeviceFacts {
  tenantId: string;
  stateId: number;
  previousStateId: number | null;
  serviceTypeId: number;
}

export interface KnownFacts {
  /** The device found in the caller's tree (preferring the target workspace), or null. */
  device: DeviceFacts | null;
  /** The catalogue entry, when the request names one and it is active for the tenant. */
  catalogueEntry: CatalogueWorkflow | null;
  /** A temp lock that has not ended runs on the device (read only where it matters: needsTempLockFact). */
  tempLock: { actionId: string; status: string } | null;
}

/** The work that follows when no rule refuses the device. */
export interface DeviceWork {
  kind: 'work';
  /** The device is missing and is created IDLE with this service type first (register mode with createMissing). */
  create: { serviceTypeId: number } | null;
  /** The state machine's action applied to the device, if any. */
  transition: DeviceAction | null;
  /** Then the catalogue workflow is assigned (the entry), exited, or nothing more. */
  then: 'assign' | 'exit' | 'none';
  /** The answer when the work changes nothing further (register mode, device already READY_FOR_USE). */
  unchanged: string | null;
}

/** A refusal; `ofDevice` is false when it comes before the device is known to be the target workspace's (no result names it). */
export type DeviceDecision = ({ kind: 'refused'; ofDevice: boolean } & Verdict) | DeviceWork;

/** The service type of a device created by a register upload that names neither a workflow nor a service type: SIM control. */
const DEFAULT_SERVICE_TYPE_ID = 1;

/** Whether the rules read the device's temp lock: only for LOCK and UNLOCK, which a running temp lock refuses. */
export function needsTempLockFact(rules: Pick<AssignmentRules, 'mode' | 'stateAction'>): boolean {
  return rules.mode === 'action' && (rules.stateAction === 'LOCK' || rules.stateAction === 'UNLOCK');
}

/** Whether the mode assigns a catalogue entry (register mode without a workflow only registers: seed 001). */
export function needsCatalogueEntry(rules: Pick<AssignmentRules, 'mode' | 'catalogueWorkflowId'>): boolean {
  return rules.mode === 'assign' || (rules.mode === 'register' && rules.catalogueWorkflowId !== null);
}

/** Which refusal applies to the device, or the work to do, in the order the spec checks them. */
export function decideDeviceWork(rules: AssignmentRules, facts: KnownFacts): DeviceDecision {
  const entry = facts.catalogueEntry;
  if (needsCatalogueEntry(rules) && !entry) {
    return refused('WORKFLOW_NOT_FOUND', `workflow ${rules.catalogueWorkflowId} is not an active workflow of this tenant`, false);
  }
  const found = facts.device;
  if (found && found.tenantId !== rules.targetWorkspaceId) {
    return refused(
      'DEVICE_NOT_ELIGIBLE_FOR_WORKFLOW',
      `device ${rules.deviceUid} belongs to workspace ${found.tenantId}, not ${rules.targetWorkspaceId}`,
      false,
    );
  }
  if (!found && (rules.mode !== 'register' || !rules.createMissing)) {
    return refused('DEVICE_NOT_FOUND', `no device ${rules.deviceUid} in ${rules.targetWorkspaceId}`, false);
  }
  const create = found ? null : { serviceTypeId: rules.serviceTypeId ?? entry?.serviceTypeId ?? DEFAULT_SERVICE_TYPE_ID };
  const device: DeviceFacts = found ?? { tenantId: rules.targetWorkspaceId, stateId: DeviceState.IDLE, previousStateId: null, ...create! };
  const decided = decideForMode(rules, device, facts);
  return decided.kind === 'work' ? { ...decided, create } : decided;
}

function decideForMode(rules: AssignmentRules, device: DeviceFacts, facts: KnownFacts): DeviceDecision {
  const work = (transition: DeviceAction | null, then: DeviceWork['then'], unchanged: string | null = null): DeviceWork => ({
    kind: 'work',
    create: null,
    transition,
    then,
    unchanged,
  });
  if (rules.mode === 'exit') {
    if (!directAssignStates.includes(device.stateId)) {
      return refused(
        'WRONG_STATE_DEVICE',
        `device is ${describeState(device.stateId)}; exiting a workflow needs READY_FOR_USE, ACTIVE or LOCKED`,
      );
    }
    return work(null, 'exit');
  }
  if (rules.mode === 'action') {
    const action = rules.stateAction;
    if (!action) return refused('INVALID_TRANSITION', 'the batch names no state action');
    if (needsTempLockFact(rules) && facts.tempLock) {
      const lock = facts.tempLock;
      return refused('TEMP_LOCK_RUNNING', `temp lock ${lock.actionId} runs on the device (${lock.status}); cancel it, then retry the row`);
    }
    return work(action, 'none');
  }
  const entry = facts.catalogueEntry;
  if (!entry) {
    if (device.stateId === DeviceState.READY_FOR_USE) return work(null, 'none', 'device is already READY_FOR_USE');
    return work('REGISTER', 'none');
  }
  if (device.serviceTypeId !== entry.serviceTypeId) {
    return refused(
      'INVALID_SERVICE_TYPE',
      `device has service type ${device.serviceTypeId}, workflow ${entry.name} needs ${entry.serviceTypeId}`,
    );
  }
  if (rules.mode === 'assign' && !directAssignStates.includes(device.stateId)) {
    return refused(
      'WRONG_STATE_DEVICE',
      `device is ${describeState(device.stateId)}; direct assignment needs READY_FOR_USE, ACTIVE or LOCKED`,
    );
  }
  // A device already READY_FOR_USE in a register file gets the pending workflow all the same (seed 000, option 2).
  return work(rules.mode === 'register' && device.stateId !== DeviceState.READY_FOR_USE ? 'REGISTER' : null, 'assign');
}

/** What the work's transition ended as: applied (to `toStateId`) or refused by the state machine. */
export type TransitionOutcome = { ok: true; fromStateId: number; toStateId: number } | { ok: false; message: string };

/** The refusal a transition's outcome means for the device, or null when the work goes on. */
export function transitionRefusal(action: DeviceAction, outcome: TransitionOutcome): Verdict | null {
  if (!outcome.ok) {
    return action === 'REGISTER'
      ? { code: 'REGISTER_FAILED', message: `REGISTER could not be applied: ${outcome.message}` }
      : { code: 'INVALID_TRANSITION', message: outcome.message };
  }
  if (action === 'REGISTER' && outcome.toStateId !== DeviceState.READY_FOR_USE) {
    return { code: 'REGISTER_FAILED', message: `REGISTER left the device ${describeState(outcome.toStateId)}, not READY_FOR_USE` };
  }
  return null;
}

/** Assign: the device's document holds another assignment (named by `heldWorkflowName`). */
export function alreadyHasWorkflow(heldWorkflowName: string): Verdict {
  return { code: 'DEVICE_ALREADY_HAS_WORKFLOW', message: `device already has workflow ${heldWorkflowName}` };
}

/** Exit: the device's document holds no workflow. */
export function hasNoWorkflow(): Verdict {
  return { code: 'DEVICE_HAS_NO_WORKFLOW', message: 'the device has no active workflow to exit' };
}

/**
 * The outcome a device would have if its work ran now, given its document's current workflow (the name, or
 * null when it holds none): the rules above, with the state machine's decision standing in for the write.
 */
export function predictDeviceOutcome(rules: AssignmentRules, facts: KnownFacts & { heldWorkflowName: string | null }): Verdict {
  const decision = decideDeviceWork(rules, facts);
  if (decision.kind === 'refused') return { code: decision.code, message: decision.message };
  const device = facts.device ?? { stateId: DeviceState.IDLE, previousStateId: null };
  if (decision.transition) {
    const decided = decideTransition(device, decision.transition);
    const refusal = transitionRefusal(decision.transition, decided.ok ? decided : { ok: false, message: decided.message });
    if (refusal) return refusal;
  }
  if (decision.then === 'assign' && facts.heldWorkflowName !== null) return alreadyHasWorkflow(facts.heldWorkflowName);
  if (decision.then === 'exit' && facts.heldWorkflowName === null) return hasNoWorkflow();
  return { code: 'OK', message: decision.unchanged ?? 'no rule refuses the device' };
}

function refused(code: DeviceResultCode, message: string, ofDevice = true): DeviceDecision {
  return { kind: 'refused', ofDevice, code, message };
}
