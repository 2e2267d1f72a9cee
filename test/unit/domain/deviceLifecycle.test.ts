import { DeviceActions, allowedActions, decideTransition, transitionTable } from '../../../src/devices/lifecycle';
import { DeviceState, DeviceStateId } from '../../../src/devices/states';

const { IDLE, READY_FOR_USE, ACTIVE, LOCKED, ENROLLED, RELEASED } = DeviceState;
const allStates = Object.values(DeviceState) as DeviceStateId[];

// Expected outcome for every (action, state) pair; 'prev' means "resume the remembered state".
const expected: Record<string, Partial<Record<DeviceStateId, DeviceStateId | 'prev'>>> = {
  REGISTER: { [IDLE]: READY_FOR_USE },
  ACTIVATE: { [READY_FOR_USE]: ACTIVE },
  LOCK: { [READY_FOR_USE]: LOCKED, [ACTIVE]: LOCKED },
  UNLOCK: { [LOCKED]: 'prev' },
  ENROLL: { [IDLE]: ENROLLED },
  RELEASE: { [IDLE]: RELEASED, [READY_FOR_USE]: RELEASED, [ACTIVE]: RELEASED, [LOCKED]: RELEASED, [ENROLLED]: RELEASED },
};

describe('device lifecycle transition table', () => {
  const pairs = DeviceActions.flatMap((action) => allStates.map((state) => [action, state] as const));

  it.each(pairs)('%s from state %i follows the table', (action, state) => {
    const outcome = expected[action]?.[state];
    const decision = decideTransition({ stateId: state, previousStateId: state === LOCKED ? ACTIVE : null }, action);
    if (outcome === undefined) {
      expect(decision).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
      if (!decision.ok) expect(decision.message).toContain(action);
    } else {
      expect(decision).toMatchObject({ ok: true, fromStateId: state, toStateId: outcome === 'prev' ? ACTIVE : outcome });
    }
  });

  it('LOCK remembers the state it left and UNLOCK resumes it', () => {
    const locked = decideTransition({ stateId: READY_FOR_USE, previousStateId: null }, 'LOCK');
    expect(locked).toEqual({ ok: true, fromStateId: READY_FOR_USE, toStateId: LOCKED, previousStateId: READY_FOR_USE });
    const resumed = decideTransition({ stateId: LOCKED, previousStateId: READY_FOR_USE }, 'UNLOCK');
    expect(resumed).toEqual({ ok: true, fromStateId: LOCKED, toStateId: READY_FOR_USE, previousStateId: null });
  });

  it('UNLOCK without a remembered state is refused, not guessed', () => {
    const decision = decideTransition({ stateId: LOCKED, previousStateId: null }, 'UNLOCK');
    expect(decision).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
  });

  it('state 3 and unknown ids allow nothing and are named in the error', () => {
    expect(allowedActions(3)).toEqual([]);
    const decision = decideTransition({ stateId: 3, previousStateId: null }, 'REGISTER');
    expect(decision.ok).toBe(false);
    if (!decision.ok) expect(decision.message).toContain('state 3');
  });

  it('lists allowed next actions from the table', () => {
    expect(allowedActions(IDLE)).toEqual(['REGISTER', 'ENROLL', 'RELEASE']);
    expect(allowedActions(ACTIVE)).toEqual(['LOCK', 'RELEASE']);
    expect(allowedActions(RELEASED)).toEqual([]);
  });

  it('error message names action, current state and the allowed actions', () => {
    const decision = decideTransition({ stateId: ACTIVE, previousStateId: null }, 'REGISTER');
    expect(decision).toEqual({
      ok: false,
      code: 'INVALID_TRANSITION',
      message: 'REGISTER is not allowed from ACTIVE; allowed actions: LOCK, RELEASE',
    });
  });

  it('RELEASE is terminal', () => {
    expect(transitionTable.RELEASE.from).not.toContain(RELEASED);
  });
});
