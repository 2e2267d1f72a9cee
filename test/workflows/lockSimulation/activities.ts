// The activities of the simulation. The lock's worker runs the real gateway activities (createTempLockActivities)
// over a gateway double that turns each drawn answer into what the HTTP client does, and in-memory doubles of
// the store write and the calendar. The world's actor runs the API's and the device's moves as local activities.
import { Context } from '@temporalio/activity';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Activities } from '../../../src/platform/worker/activities';
import { createTempLockActivities } from '../../../src/tempLocks/activities';
import {
  GatewayRefusal,
  isPermanentRefusal,
  type DeviceControlGateway,
  type GatewayCommand,
  type GatewayCommandKind,
  type GatewayReceipt,
  type SendOptions,
} from '../../../src/devices/gateway/deviceControlGateway';
import type { CheckIn } from '../../../src/tempLocks/contract';
import type { CheckInSeen, SimulatedApi } from './api';
import type { DeviceWorld } from './world';

/** The worlds of the schedules running now, found by the ids the workflow's activities carry. */
export class Worlds {
  private readonly bySeed = new Map<number, DeviceWorld>();

  add(world: DeviceWorld): void {
    this.bySeed.set(world.schedule.seed, world);
  }

  remove(world: DeviceWorld): void {
    this.bySeed.delete(world.schedule.seed);
  }

  of(seed: number): DeviceWorld {
    const world = this.bySeed.get(seed);
    if (!world) throw new Error(`no simulated device for seed ${seed}`);
    return world;
  }

  /** Device uids and tenant ids end with the seed (DeviceWorld). */
  named(id: string): DeviceWorld {
    return this.of(Number(id.slice(id.lastIndexOf('-') + 1)));
  }
}

/** The device's moves, made by its actor workflow; `onDelayedPush` tells the actor to check in later. */
export interface DeviceReactions {
  onDelayedPush(world: DeviceWorld, delayMs: number, repeats: number): Promise<void>;
}

/** The gateway: per attempt the schedule's answer, turned into what HttpDeviceControlGateway returns or throws. */
export class GatewayDouble implements DeviceControlGateway {
  constructor(
    private readonly worlds: Worlds,
    private readonly api: SimulatedApi,
    private readonly reactions: DeviceReactions,
  ) {}

  sendLock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt> {
    return this.send('LOCK', command, options?.signal);
  }

  sendUnlock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt> {
    return this.send('UNLOCK', command, options?.signal);
  }

  private async send(kind: GatewayCommandKind, command: GatewayCommand, signal?: AbortSignal): Promise<GatewayReceipt> {
    const world = this.worlds.named(command.deviceUid);
    const answer = world.nextAnswer(kind, command.actionId);
    const { gatewayTimeoutMs } = world.schedule.locks[world.lockOf(command.actionId).lock]!;
    const shown = answer.kind === 'status' ? String(answer.status) : answer.kind;
    await world.record({ type: 'attempt', kind, actionId: command.actionId, answer: shown });
    switch (answer.kind) {
      case 'ok':
        return this.accept(world, kind, command);
      case 'slow':
        await sleep(answer.delayMs, undefined, { signal });
        return this.accept(world, kind, command);
      case 'slowThenOk':
        await this.accept(world, kind, command);
        return noAnswerWithin(gatewayTimeoutMs, kind, signal);
      case 'timeout':
        return noAnswerWithin(gatewayTimeoutMs, kind, signal);
      case 'status':
        if (isPermanentRefusal(answer.status))
          throw new GatewayRefusal(kind, command.deviceUid, answer.status, `simulated ${answer.status}`);
        throw new Error(`${kind} ${command.deviceUid}: gateway answered ${answer.status}`);
    }
  }

  /** The command reaches the device, which may check in at once (before the gateway's answer) or later. */
  private async accept(world: DeviceWorld, kind: GatewayCommandKind, command: GatewayCommand): Promise<GatewayReceipt> {
    const acceptedAt = await world.record({ type: 'accepted', kind, actionId: command.actionId });
    const push = world.nextPush();
    if (push.mode === 'immediate') {
      for (let i = 0; i <= push.repeats; i++) await this.api.checkIn(world, `push-${acceptedAt}`);
    } else if (push.mode === 'delayed') {
      await this.reactions.onDelayedPush(world, push.delayMs, push.repeats);
    }
    return { acceptedAt };
  }
}

async function noAnswerWithin(timeoutMs: number, kind: GatewayCommandKind, signal?: AbortSignal): Promise<never> {
  await sleep(timeoutMs, undefined, { signal });
  throw new Error(`${kind}: gateway unreachable: no answer within ${timeoutMs} ms`);
}

type LockActivities = Pick<Activities, 'sendLockCommand' | 'sendUnlockCommand' | 'nextWorkingInstantOf' | 'writeTempLockTransitions'>;

/** The lock worker's activities: the real gateway commands over the double, the stores in memory. */
export function lockActivities(worlds: Worlds, gateway: DeviceControlGateway): LockActivities {
  const unused = new Proxy(
    {},
    {
      get() {
        throw new Error('the lock simulation never reaches the real stores');
      },
    },
  ) as never;
  const real = createTempLockActivities({ pool: unused, mongo: unused, gateway });
  const serverNow = () => Context.current().info.currentAttemptScheduledTimestampMs;
  return {
    sendLockCommand: real.sendLockCommand,
    // The real activity waits for dueAt on the worker's wall clock, which the skipped server clock has left
    // behind: the same remaining time on the wall clock (from the attempt's scheduling, so never early).
    sendUnlockCommand: (command) =>
      real.sendUnlockCommand(command.dueAt == null ? command : { ...command, dueAt: command.dueAt - serverNow() + Date.now() }),
    nextWorkingInstantOf: async ({ tenantId, at }) => {
      const instant = at ?? serverNow();
      return { at: instant, next: worlds.named(tenantId).nextWorkingInstant(instant) };
    },
    writeTempLockTransitions: async (transitions) => {
      if (transitions.length === 0) return null;
      return worlds.named(transitions[0]!.facts.deviceUid).write(transitions);
    },
  };
}

/** The actor's local activities: the API's and the device's moves for the schedule of `seed`. */
export function actorActivities(worlds: Worlds, api: SimulatedApi, restartWorkers: () => void) {
  return {
    async beginSchedule(seed: number, startedAt: number): Promise<void> {
      worlds.of(seed).startedAt = startedAt;
    },
    async checkIn(seed: number, requestId: string, holdBack: boolean): Promise<CheckInSeen & { running: boolean }> {
      const world = worlds.of(seed);
      const seen = await api.checkIn(world, requestId, holdBack);
      return { ...seen, running: (await api.runningLock(world)) !== null };
    },
    async deliverCheckIn(seed: number, checkIn: CheckIn): Promise<void> {
      await api.deliver(worlds.of(seed), checkIn);
    },
    async cancelLock(seed: number): Promise<void> {
      await api.cancel(worlds.of(seed));
    },
    async startOverriding(seed: number, lock: number, actionId: string): Promise<boolean> {
      return api.startOverriding(worlds.of(seed), lock, actionId);
    },
    async restartWorkers(seed: number): Promise<void> {
      await worlds.of(seed).record({ type: 'restart' });
      restartWorkers();
    },
    async note(seed: number, text: string): Promise<void> {
      await worlds.of(seed).record({ type: 'note', text });
    },
  };
}

export type ActorActivities = ReturnType<typeof actorActivities>;
