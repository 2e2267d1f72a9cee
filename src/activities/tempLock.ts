// Activities of the TempLock workflow: the gateway's LOCK and UNLOCK commands, working-hours arithmetic (time
// zones stay out of workflow code), and the lock's writes (src/db/tempLockStore.ts). Every write is idempotent.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { MongoStores } from '../db/mongo';
import { InventoryLockResult, TempLockTransition, writeTempLockTransitions } from '../db/tempLockStore';
import { nextWorkingInstantFor } from '../db/workingHoursStore';
import { GATEWAY_REFUSED, MAX_UNLOCK_LEAD_MS } from '../domain/tempLock';
import { DeviceControlGateway, GatewayCommand, GatewayReceipt, GatewayRefusal } from '../gateway/deviceControlGateway';

export interface TempLockActivityDeps {
  pool: Pool;
  mongo: MongoStores;
  gateway: DeviceControlGateway;
}

export interface WorkingInstant {
  /** The instant asked about (epoch ms). */
  at: number;
  /** The next working instant at or after `at`; null when the calendar never opens. */
  next: number | null;
}

const HEARTBEAT_EVERY_MS = 1000;

export function createTempLockActivities({ pool, mongo, gateway }: TempLockActivityDeps) {
  return {
    /**
     * Sends the LOCK command. Heartbeats while the gateway answers, so that a cancel reaches it: the request
     * is then aborted, and the workflow (waiting for the cancellation to complete) sends UNLOCK only after.
     */
    async sendLockCommand(command: GatewayCommand): Promise<number> {
      return (await whileHeartbeating((signal) => gateway.sendLock(command, { signal }))).acceptedAt;
    },

    /** Sends the UNLOCK at its dueAt, not before (the lock's timer fires early by the unlock lead, see tempLock.ts). */
    async sendUnlockCommand(command: GatewayCommand): Promise<number> {
      const waitUntil = command.dueAt == null ? 0 : Math.min(command.dueAt, Date.now() + MAX_UNLOCK_LEAD_MS);
      const receipt = await whileHeartbeating(async (signal) => {
        // A loop: a timer may fire a millisecond before the wall clock reaches its end.
        for (let early = waitUntil - Date.now(); early > 0; early = waitUntil - Date.now()) await sleep(early, undefined, { signal });
        return gateway.sendUnlock(command, { signal });
      });
      return receipt.acceptedAt;
    },

    /** The tenant's next working instant at or after `at` (default: now). Without a calendar every instant is. */
    async nextWorkingInstantOf({ tenantId, at }: { tenantId: string; at?: number }): Promise<WorkingInstant> {
      const instant = at ?? Date.now();
      return { at: instant, next: await nextWorkingInstantFor(pool, tenantId, instant) };
    },

    /** The lock's transitions made since the last call, in order, with their inventory changes. */
    async writeTempLockTransitions(transitions: TempLockTransition[]): Promise<InventoryLockResult | null> {
      return writeTempLockTransitions(pool, mongo, transitions);
    },
  };
}

/**
 * Runs a gateway request, heartbeating meanwhile; the activity's cancellation aborts it. A permanent refusal
 * becomes a non-retryable failure carrying the gateway's reason; anything else is retried by the policy.
 */
async function whileHeartbeating(send: (signal: AbortSignal) => Promise<GatewayReceipt>): Promise<GatewayReceipt> {
  const context = Context.current();
  context.heartbeat();
  const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await send(context.cancellationSignal);
  } catch (err) {
    // Cancelled (or the worker is stopping): report the cancellation itself, not the aborted request's error.
    if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
    if (err instanceof GatewayRefusal) {
      throw ApplicationFailure.create({
        message: err.message,
        type: GATEWAY_REFUSED,
        nonRetryable: true,
        details: [{ status: err.status, reason: err.reason }],
      });
    }
    throw err;
  } finally {
    clearInterval(beat);
  }
}
