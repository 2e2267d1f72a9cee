// The device lifecycle state machine (SPEC §2): the transition table as data, and the pure
// decision of what an action does to a device. The only place that knows which state follows.
import { DeviceState, DeviceStateId, DeviceStateName, deviceStateName, isDeviceStateId } from './states';

export const DeviceActions = ['REGISTER', 'ACTIVATE', 'LOCK', 'UNLOCK', 'ENROLL', 'RELEASE'] as const;
export type DeviceAction = (typeof DeviceActions)[number];

export function isDeviceAction(value: unknown): value is DeviceAction {
  return typeof value === 'string' && (DeviceActions as readonly string[]).includes(value);
}

/** Where an action leads: a fixed state, or back to the state remembered by LOCK (hold/resume). */
type Target = { to: DeviceStateId } | { toPrevious: true };

interface TransitionRule {
  from: readonly DeviceStateId[];
  target: Target;
  /** LOCK remembers the state it left so UNLOCK can resume it. */
  remembersPrevious?: boolean;
}

const allStatesBut = (...excluded: DeviceStateId[]): DeviceStateId[] =>
  (Object.values(DeviceState) as DeviceStateId[]).filter((s) => !excluded.includes(s));

/** The transition table. Extend the lifecycle here and nowhere else. */
export const transitionTable: Readonly<Record<DeviceAction, TransitionRule>> = {
  REGISTER: { from: [DeviceState.IDLE], target: { to: DeviceState.READY_FOR_USE } },
  ACTIVATE: { from: [DeviceState.READY_FOR_USE], target: { to: DeviceState.ACTIVE } },
  LOCK: {
    from: [DeviceState.READY_FOR_USE, DeviceState.ACTIVE],
    target: { to: DeviceState.LOCKED },
    remembersPrevious: true,
  },
  UNLOCK: { from: [DeviceState.LOCKED], target: { toPrevious: true } },
  ENROLL: { from: [DeviceState.IDLE], target: { to: DeviceState.ENROLLED } },
  RELEASE: { from: allStatesBut(DeviceState.RELEASED), target: { to: DeviceState.RELEASED } },
};

export interface DeviceStateSnapshot {
  stateId: number;
  previousStateId: number | null;
}

export type TransitionDecision =
  | { ok: true; fromStateId: DeviceStateId; toStateId: DeviceStateId; previousStateId: DeviceStateId | null }
  | { ok: false; code: 'INVALID_TRANSITION'; message: string };

/** Actions the table allows from a state, in table order. */
export function allowedActions(stateId: number): DeviceAction[] {
  if (!isDeviceStateId(stateId)) return [];
  return DeviceActions.filter((action) => transitionTable[action].from.includes(stateId));
}

/** Decides what `action` does to a device in `current`; never throws for business reasons. */
export function decideTransition(current: DeviceStateSnapshot, action: DeviceAction): TransitionDecision {
  const fromName = describeState(current.stateId);
  if (!isDeviceStateId(current.stateId)) {
    return invalid(`${action} is not allowed: the device is in unknown state ${fromName}`);
  }
  const rule = transitionTable[action];
  if (!rule.from.includes(current.stateId)) {
    const allowed = allowedActions(current.stateId);
    return invalid(`${action} is not allowed from ${fromName}; allowed actions: ${allowed.length ? allowed.join(', ') : 'none'}`);
  }
  if ('to' in rule.target) {
    return {
      ok: true,
      fromStateId: current.stateId,
      toStateId: rule.target.to,
      previousStateId: rule.remembersPrevious ? current.stateId : null,
    };
  }
  const resumed = current.previousStateId;
  if (resumed === null || !isDeviceStateId(resumed) || resumed === current.stateId) {
    return invalid(`${action} is not possible: the device in ${fromName} has no remembered previous state`);
  }
  return { ok: true, fromStateId: current.stateId, toStateId: resumed, previousStateId: null };
}

export function describeState(stateId: number): DeviceStateName | string {
  return deviceStateName(stateId) ?? `state ${stateId}`;
}

function invalid(message: string): TransitionDecision {
  return { ok: false, code: 'INVALID_TRANSITION', message };
}
