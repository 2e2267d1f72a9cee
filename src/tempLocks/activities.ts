// Activities of the TempLock workflow: the gateway's LOCK and UNLOCK commands, working-hours arithmetic (time
// zones stay out of workflow code), and the lock's writes (src/tempLocks/store.ts). Every write is idempotent.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Pool } from 'pg';
import { MongoStores } from '../platform/db/mongo';
import { heartbeating } from '../platform/worker/heartbeating';
import { InventoryLockResult, TempLockTransition, writeTempLockTransitions } from './store';
import { nextWorkingInstantFor } from '../tenants/useCases';
import { GATEWAY_REFUSED, MAX_UNLOCK_LEAD_MS } from './lock';
import { DeviceControlGateway, GatewayCommand, GatewayCommandKind, GatewayReceipt, GatewayRefusal } from '../devices/contract';

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

/**
 * What became of one attempt of a gateway command: taken (`accepted`), refused for good (`refused`: the lock ends
 * FAILED), failed in a way a retry may change (`failed`: 5xx, timeout, unreachable, 401/403/409/423/429), or
 * abandoned because the activity was cancelled (`cancelled`).
 */
type GatewayCommandResult = 'accepted' | 'refused' | 'failed' | 'cancelled';

/**
 * The counter `do_gateway_commands{kind, result}`, per attempt. It goes through the Temporal SDK's metric meter, so
 * the worker's own Prometheus endpoint (WORKER_METRICS_ADDRESS) serves it beside the SDK's series, tagged with the
 * namespace, task queue and activity type; without that address the meter is a no-op.
 */
const GATEWAY_COMMANDS_METRIC = 'do_gateway_commands';

export function createTempLockActivities({ pool, mongo, gateway }: TempLockActivityDeps) {
  return {
    /**
     * Sends the LOCK command. Heartbeats while the gateway answers, so that a cancel reaches it: the request
     * is then aborted, and the workflow (waiting for the cancellation to complete) sends UNLOCK only after.
     */
    async sendLockCommand(command: GatewayCommand): Promise<number> {
      return (await whileHeartbeating('LOCK', (signal) => gateway.sendLock(command, { signal }))).acceptedAt;
    },

    /** Sends the UNLOCK at its dueAt, not before (the lock's timer fires early by the unlock lead, see tempLock.ts). */
    async sendUnlockCommand(command: GatewayCommand): Promise<number> {
      const waitUntil = command.dueAt == null ? 0 : Math.min(command.dueAt, Date.now() + MAX_UNLOCK_LEAD_MS);
      const receipt = await whileHeartbeating('UNLOCK', async (signal) => {
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
async function whileHeartbeating(
  kind: GatewayCommandKind,
  send: (signal: AbortSignal) => Promise<GatewayReceipt>,
): Promise<GatewayReceipt> {
  const context = Context.current();
  const count = (result: GatewayCommandResult) =>
    context.metricMeter.createCounter(GATEWAY_COMMANDS_METRIC, '1', 'Gateway command attempts by kind and result').add(1, { kind, result });
  return heartbeating(HEARTBEAT_EVERY_MS, async () => {
    try {
      const receipt = await send(context.cancellationSignal);
      count('accepted');
      return receipt;
    } catch (err) {
      // Cancelled (or the worker is stopping): report the cancellation itself, not the aborted request's error.
      if (context.cancellationSignal.aborted) {
        count('cancelled');
        throw context.cancellationSignal.reason;
      }
      if (err instanceof GatewayRefusal) {
        count('refused');
        throw ApplicationFailure.create({
          message: err.message,
          type: GATEWAY_REFUSED,
          nonRetryable: true,
          details: [{ status: err.status, reason: err.reason }],
        });
      }
      count('failed');
      throw err;
    }
  });
}
