// The gateway as the activities see it, one device's command at a time, sent as the gateway takes them: commands
// of one (kind, tenant, provision type, service type) that arrive in the worker together are gathered for at most
// GATEWAY_GROUP_WAIT_MS or GATEWAY_GROUP_MAX devices and sent as one request; each command then completes with its
// own device's result. A request that fails as a whole fails every command in it, and each activity retries its
// own under its own retry policy (the next attempts gather again). Requests of each kind are paced on their own
// (GATEWAY_REQUESTS_PER_SECOND), so UNLOCK requests never wait behind LOCK requests.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DEFAULT_PROVISION_TYPE,
  DeviceControlGateway,
  GatewayCommand,
  GatewayCommandKind,
  GatewayCommandsClient,
  GatewayDeviceResult,
  GatewayReceipt,
  GatewayRefusal,
  SendOptions,
  isPermanentRefusal,
} from './deviceControlGateway';

interface CommandGrouping {
  /** How long the first command of a group waits for others before the group is sent. */
  waitMs: number;
  /** A group is sent as soon as it holds this many devices. */
  maxDevices: number;
  /** Requests per second per kind, from this worker; 0: no limit. */
  requestsPerSecond: number;
  /**
   * The longest a command may wait in the worker before its request starts (gathering, then for its request's
   * turn); one that waited longer is not sent, and its activity retries. It keeps every request inside its activity's
   * attempt (gatewayCommandTimeouts): a worker cut off from Temporal never sends a command whose attempt is over.
   */
  maxHoldMs: number;
}

/** Not sent: the command waited longer than maxHoldMs for its request's turn (GATEWAY_REQUESTS_PER_SECOND). */
class CommandHeldBack extends Error {
  constructor(kind: GatewayCommandKind, deviceUid: string, heldMs: number) {
    super(`${kind} ${deviceUid}: not sent after waiting ${heldMs} ms for a request turn (GATEWAY_REQUESTS_PER_SECOND); sent again`);
    this.name = 'CommandHeldBack';
  }
}

/** A device's command the gateway did not take, in a way that may change (busy, rate-limited, down): retried. */
export class GatewayNotTaken extends Error {
  constructor(kind: GatewayCommandKind, deviceUid: string, status: number, reason: string | null) {
    super(`the device-control gateway did not take ${kind} for device ${deviceUid}: ${status} ${reason ?? ''}`.trim());
    this.name = 'GatewayNotTaken';
  }
}

interface PendingCommand {
  command: GatewayCommand;
  enqueuedAt: number;
  /** `gathering` until the group is sent; an abort then takes the command out of its group at once. */
  sent: boolean;
  signal?: AbortSignal;
  resolve(receipt: GatewayReceipt): void;
  reject(err: unknown): void;
}

interface CommandGroup {
  kind: GatewayCommandKind;
  key: string;
  commands: PendingCommand[];
  timer: NodeJS.Timeout;
}

export class GroupedDeviceControlGateway implements DeviceControlGateway {
  private readonly gathering = new Map<string, CommandGroup>();
  /** Per kind: when its next request may start (a spacing of 1 / requestsPerSecond). */
  private readonly nextRequestAt: Record<GatewayCommandKind, number> = { LOCK: 0, UNLOCK: 0 };

  constructor(
    private readonly client: GatewayCommandsClient,
    private readonly grouping: CommandGrouping,
  ) {}

  sendLock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt> {
    return this.enqueue('LOCK', command, options?.signal);
  }

  sendUnlock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt> {
    return this.enqueue('UNLOCK', command, options?.signal);
  }

  private enqueue(kind: GatewayCommandKind, command: GatewayCommand, signal?: AbortSignal): Promise<GatewayReceipt> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<GatewayReceipt>((resolve, reject) => {
      const pending: PendingCommand = { command, enqueuedAt: Date.now(), sent: false, signal, resolve, reject };
      const key = groupKey(kind, command);
      let group = this.gathering.get(key);
      // One request names a device once: a second command for it waits for the next request.
      if (group?.commands.some((other) => other.command.deviceUid === command.deviceUid)) {
        this.close(group);
        group = undefined;
      }
      if (!group) {
        const opened: CommandGroup = { kind, key, commands: [], timer: setTimeout(() => this.close(opened), this.grouping.waitMs) };
        group = opened;
        this.gathering.set(key, group);
      }
      const gatheringIn = group;
      gatheringIn.commands.push(pending);
      // Cancelled while gathering: out of the group at once. Once sent, the command ends when its request does,
      // so nothing sent after a cancelled command can overtake it.
      signal?.addEventListener(
        'abort',
        () => {
          if (pending.sent) return;
          gatheringIn.commands = gatheringIn.commands.filter((other) => other !== pending);
          reject(signal.reason);
        },
        { once: true },
      );
      if (gatheringIn.commands.length >= this.grouping.maxDevices) this.close(gatheringIn);
    });
  }

  /** Stops gathering for the group and sends it, once its kind's request pace allows. */
  private close(group: CommandGroup): void {
    clearTimeout(group.timer);
    if (this.gathering.get(group.key) === group) this.gathering.delete(group.key);
    void this.send(group);
  }

  private async send(group: CommandGroup): Promise<void> {
    await this.requestTurn(group.kind);
    const startsAt = Date.now();
    const commands: PendingCommand[] = [];
    for (const pending of group.commands) {
      if (pending.signal?.aborted) continue;
      pending.sent = true;
      const heldMs = startsAt - pending.enqueuedAt;
      if (heldMs > this.grouping.maxHoldMs) pending.reject(new CommandHeldBack(group.kind, pending.command.deviceUid, heldMs));
      else commands.push(pending);
    }
    if (commands.length === 0) return;
    const first = commands[0]!.command;
    const request = {
      kind: group.kind,
      tenantId: first.tenantId,
      provisionType: first.provisionType ?? DEFAULT_PROVISION_TYPE,
      serviceTypeId: first.serviceTypeId,
      devices: commands.map(({ command }) => ({
        deviceUid: command.deviceUid,
        actionId: command.actionId,
        notification: command.notification ?? null,
        dueAt: command.dueAt ?? null,
      })),
    };
    let results: GatewayDeviceResult[];
    try {
      results = await this.client.sendCommands(request, idempotencyKey(group.kind, request.devices));
    } catch (err) {
      for (const pending of commands) pending.reject(pending.signal?.aborted ? pending.signal.reason : err);
      return;
    }
    const acceptedAt = Date.now();
    const byDevice = new Map(results.map((result) => [result.deviceUid, result]));
    for (const pending of commands) {
      const { deviceUid } = pending.command;
      const result = byDevice.get(deviceUid);
      if (pending.signal?.aborted) pending.reject(pending.signal.reason);
      else if (result?.accepted) pending.resolve({ acceptedAt });
      else if (!result) pending.reject(new GatewayNotTaken(group.kind, deviceUid, 500, 'the answer has no result for the device'));
      else if (isPermanentRefusal(result.status))
        pending.reject(new GatewayRefusal(group.kind, deviceUid, result.status, result.reason ?? ''));
      else pending.reject(new GatewayNotTaken(group.kind, deviceUid, result.status, result.reason));
    }
  }

  /** Waits until a request of this kind may start: at most requestsPerSecond of them per second. */
  private async requestTurn(kind: GatewayCommandKind): Promise<void> {
    const { requestsPerSecond } = this.grouping;
    if (requestsPerSecond <= 0) return;
    const now = Date.now();
    const turn = Math.max(now, this.nextRequestAt[kind]);
    this.nextRequestAt[kind] = turn + 1000 / requestsPerSecond;
    if (turn > now) await sleep(turn - now);
  }
}

function groupKey(kind: GatewayCommandKind, command: GatewayCommand): string {
  return JSON.stringify([kind, command.tenantId, command.provisionType ?? DEFAULT_PROVISION_TYPE, command.serviceTypeId]);
}

/**
 * The request's idempotency key: its kind and its commands (action ids, sorted). A request sent again with the same
 * commands carries the same key; the gateway also recognises each command by its action id and kind.
 */
function idempotencyKey(kind: GatewayCommandKind, devices: { actionId: string }[]): string {
  const hash = createHash('sha256').update(kind);
  for (const actionId of devices.map((d) => d.actionId).sort()) hash.update(`\n${actionId}`);
  return `${kind.toLowerCase()}-${hash.digest('hex').slice(0, 40)}`;
}
