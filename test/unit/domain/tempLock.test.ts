// The check-in rules the API answers with and the workflow acts on, and the gateway command timeouts.
import { TempLockStatuses, answerCheckIn, checkInActsOnLock, gatewayCommandTimeouts } from '../../../src/tempLocks/lock';

const HOUR = 3_600_000;

describe('answerCheckIn', () => {
  const at = (checkedInAt: number, lockStartsAt = checkedInAt) => ({ checkedInAt, lockStartsAt });

  it('ACTIVATING: LOCK for the duration from the lock start (the next working instant with working hours)', () => {
    const lock = { status: 'ACTIVATING' as const, durationMs: 2 * HOUR, lockEndsAt: null };
    expect(answerCheckIn(lock, at(1_000))).toEqual({ directive: 'LOCK', lockUntil: 1_000 + 2 * HOUR });
    expect(answerCheckIn(lock, at(1_000, 5 * HOUR))).toEqual({ directive: 'LOCK', lockUntil: 7 * HOUR });
  });

  it('ACTIVATED: LOCK until the end, UNLOCK from the end on (during the unlock lead too)', () => {
    const lock = { status: 'ACTIVATED' as const, durationMs: HOUR, lockEndsAt: 10 * HOUR };
    expect(answerCheckIn(lock, at(10 * HOUR - 1))).toEqual({ directive: 'LOCK', lockUntil: 10 * HOUR });
    expect(answerCheckIn(lock, at(10 * HOUR))).toEqual({ directive: 'UNLOCK', lockUntil: null });
  });

  it('DEACTIVATING: UNLOCK; WAITING, ended or no lock: NONE', () => {
    const base = { durationMs: HOUR, lockEndsAt: HOUR };
    expect(answerCheckIn({ ...base, status: 'DEACTIVATING' }, at(0)).directive).toBe('UNLOCK');
    for (const status of ['WAITING', 'DEACTIVATED', 'CANCELLED', 'FAILED'] as const) {
      expect(answerCheckIn({ ...base, status }, at(0))).toEqual({ directive: 'NONE', lockUntil: null });
    }
    expect(answerCheckIn(null, at(0))).toEqual({ directive: 'NONE', lockUntil: null });
  });
});

describe('checkInActsOnLock', () => {
  const lockOf = (status: (typeof TempLockStatuses)[number]) => ({
    status,
    durationMs: 2 * HOUR,
    lockEndsAt: status === 'WAITING' || status === 'ACTIVATING' ? null : 10 * HOUR,
  });

  it('signals the activating check-in and every one answered UNLOCK, nothing else', () => {
    const acted = TempLockStatuses.flatMap((status) =>
      [HOUR, 11 * HOUR].map((checkedInAt) => {
        const lock = lockOf(status);
        const answer = answerCheckIn(lock, { checkedInAt, lockStartsAt: checkedInAt });
        return checkInActsOnLock(lock, answer) ? `${status}@${checkedInAt / HOUR}h ${answer.directive}` : null;
      }),
    ).filter((a) => a !== null);
    expect(acted).toEqual([
      'ACTIVATING@1h LOCK',
      'ACTIVATING@11h LOCK',
      'ACTIVATED@11h UNLOCK',
      'DEACTIVATING@1h UNLOCK',
      'DEACTIVATING@11h UNLOCK',
    ]);
  });
});

describe('gatewayCommandTimeouts', () => {
  it.each([100, 5_000, 30_000, 120_000])(
    'an attempt and its heartbeat timeout outlive a %i ms gateway request: no request is left in flight once the server gives up',
    (gatewayMs) => {
      const { startToCloseMs, heartbeatMs } = gatewayCommandTimeouts(gatewayMs);
      expect(startToCloseMs).toBeGreaterThan(gatewayMs);
      expect(heartbeatMs).toBeGreaterThan(gatewayMs);
      expect(heartbeatMs).toBeLessThanOrEqual(startToCloseMs);
    },
  );
});
