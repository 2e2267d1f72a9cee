// The promises a lock makes (SPEC §9 "A lock's end"), checked over one schedule's record: what the device was
// told, what the gateway accepted, what the store and the inventory say, and how each execution ended.
import { FINAL_TEMP_LOCK_STATUSES } from '../../../src/tempLocks/lock';
import type { TempLockOutcome } from '../../../src/tempLocks/contract';
import type { DeviceWorld, WorldEvent } from './world';

export interface Violation {
  invariant: 1 | 2 | 3 | 4 | 5;
  message: string;
}

/** How one lock's chain of runs ended, read from the server. */
export interface LockExecution {
  actionId: string;
  /** Events per run, first to last. */
  runEvents: number[];
  /** How the last run closed: COMPLETED, FAILED, TIMED_OUT, TERMINATED, CANCELED, or RUNNING when it has not. */
  closedAs: string;
  outcome: TempLockOutcome | null;
  failure: string | null;
}

const MAX_EVENTS_PER_RUN = 2_000;

export function checkInvariants(world: DeviceWorld, executions: LockExecution[]): Violation[] {
  return [
    ...neverLockAfterUnlock(world.log),
    ...endsUnlocked(world),
    ...everyLockEnds(world, executions),
    ...inventoryRestored(world),
    ...boundedHistory(executions),
  ];
}

/** 1: no check-in is answered LOCK for a lock after an UNLOCK was sent for it. */
function neverLockAfterUnlock(log: WorldEvent[]): Violation[] {
  const unlockSent = new Map<string, number>();
  const violations: Violation[] = [];
  for (const event of log) {
    if (event.type === 'attempt' && event.kind === 'UNLOCK' && !unlockSent.has(event.actionId)) unlockSent.set(event.actionId, event.at);
    if (event.type === 'answer' && event.directive === 'LOCK' && event.actionId !== null && unlockSent.has(event.actionId)) {
      violations.push({
        invariant: 1,
        message: `check-in at ${event.at}ms answered LOCK until ${event.lockUntil} (stored ${event.status}) after the UNLOCK of ${event.actionId} was sent at ${unlockSent.get(event.actionId)}ms`,
      });
    }
  }
  return violations.slice(0, 1);
}

/**
 * 2: when a lock ends (its final status is stored, and at the schedule's end), the last thing the device was told
 * — a command the gateway accepted, or a check-in's answer — is UNLOCK, or it was never told LOCK; or the lock
 * FAILED because the gateway refused its UNLOCK (the status says the device may still be locked). A check-in
 * answered UNLOCK after the gateway took a LOCK unlocks the device as an UNLOCK command does (a lock whose
 * device confirmed that way ends without the gateway's UNLOCK when the gateway refuses it).
 */
function endsUnlocked(world: DeviceWorld): Violation[] {
  let lastTold: { directive: 'LOCK' | 'UNLOCK'; by: string; actionId: string | null; at: number } | null = null;
  const violations: Violation[] = [];
  // Locks that ended FAILED because the gateway refused their UNLOCK: their status says so, also at a later
  // lock's end that sent the device nothing.
  const refusedUnlock = new Set<string>();
  const check = (when: string, final: Extract<WorldEvent, { type: 'final' }> | undefined) => {
    if (lastTold === null || lastTold.directive === 'UNLOCK') return;
    if (final?.status === 'FAILED' && /refused UNLOCK/.test(final.reason ?? '')) refusedUnlock.add(final.actionId);
    if (lastTold.actionId !== null && refusedUnlock.has(lastTold.actionId)) return;
    violations.push({
      invariant: 2,
      message: `${when}: the device was last told LOCK (${lastTold.by}, lock ${lastTold.actionId}) at ${lastTold.at}ms (final: ${final ? `${final.status} ${final.reason ?? ''}` : 'none'})`,
    });
  };
  let lastFinal: Extract<WorldEvent, { type: 'final' }> | undefined;
  for (const event of world.log) {
    if (event.type === 'accepted') lastTold = { directive: event.kind, by: 'gateway command', actionId: event.actionId, at: event.at };
    if (event.type === 'answer' && (event.directive === 'LOCK' || event.directive === 'UNLOCK')) {
      lastTold = { directive: event.directive, by: 'check-in answer', actionId: event.actionId, at: event.at };
    }
    if (event.type === 'final') {
      lastFinal = event;
      check(`lock ${event.actionId} ended ${event.status} at ${event.at}ms`, event);
    }
  }
  if (violations.length === 0) check('at the end of the schedule', lastFinal);
  return violations;
}

/** 3: every lock reaches a final status, and its execution completes (never fails, times out or hangs). */
function everyLockEnds(world: DeviceWorld, executions: LockExecution[]): Violation[] {
  const violations: Violation[] = [];
  for (const lock of world.locks) {
    const execution = executions.find((e) => e.actionId === lock.actionId);
    const stored = world.docs.get(lock.actionId)?.status ?? 'nothing stored';
    if (!execution || execution.closedAs === 'RUNNING') {
      violations.push({ invariant: 3, message: `lock ${lock.actionId} hangs: its execution still runs (stored ${stored})` });
    } else if (execution.closedAs !== 'COMPLETED') {
      violations.push({
        invariant: 3,
        message: `lock ${lock.actionId}: execution ${execution.closedAs} (${execution.failure}); stored ${stored}`,
      });
    } else if (!FINAL_TEMP_LOCK_STATUSES.includes(stored as never) || execution.outcome?.status !== stored) {
      violations.push({ invariant: 3, message: `lock ${lock.actionId}: outcome ${execution.outcome?.status}, stored ${stored}` });
    }
  }
  return violations;
}

/** 4: after each lock the device's inventory state is the one it had before, unless the lock FAILED (saying why). */
function inventoryRestored(world: DeviceWorld): Violation[] {
  const violations: Violation[] = [];
  const before = new Map<string, string>();
  for (const event of world.log) {
    if (event.type === 'assigned') before.set(event.actionId, event.inventory);
    if (event.type !== 'final') continue;
    if (event.status === 'FAILED' && event.reason) continue;
    if (event.inventory !== before.get(event.actionId)) {
      violations.push({
        invariant: 4,
        message: `lock ${event.actionId} ended ${event.status} with the device ${event.inventory}, ${before.get(event.actionId)} before it`,
      });
    }
  }
  const last = world.locks.at(-1);
  if (
    last &&
    !world.log.some((e) => e.type === 'final' && e.actionId === last.actionId) &&
    world.inventory.state !== before.get(last.actionId)
  ) {
    violations.push({
      invariant: 4,
      message: `lock ${last.actionId} never ended and leaves the device ${world.inventory.state}, ${before.get(last.actionId)} before it`,
    });
  }
  return violations;
}

/** 5: every run's history stays under MAX_EVENTS_PER_RUN events. */
function boundedHistory(executions: LockExecution[]): Violation[] {
  return executions.flatMap((e) =>
    e.runEvents
      .filter((n) => n >= MAX_EVENTS_PER_RUN)
      .map((n) => ({ invariant: 5 as const, message: `a run of lock ${e.actionId} has ${n} events` })),
  );
}
