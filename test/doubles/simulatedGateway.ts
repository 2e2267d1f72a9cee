// An in-process device-control gateway for tests and benchmarks, one device's command at a time: accepts every
// command and records it; it can be told to fail for a while (an outage), to answer slowly, or to refuse a device
// (a 4xx), to rehearse what a real gateway does on a bad day.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeviceControlGateway,
  GatewayCommand,
  GatewayCommandKind,
  GatewayReceipt,
  GatewayRefusal,
  SendOptions,
} from '../../src/devices/gateway/deviceControlGateway';

export interface RecordedCommand extends GatewayCommand {
  kind: GatewayCommandKind;
  sentAt: number;
}

class SimulatedGatewayOutage extends Error {
  constructor(kind: GatewayCommandKind, deviceUid: string) {
    super(`${kind} ${deviceUid}: simulated gateway outage`);
    this.name = 'SimulatedGatewayOutage';
  }
}

export class SimulatedDeviceControlGateway implements DeviceControlGateway {
  readonly commands: RecordedCommand[] = [];
  /** Commands whose request was abandoned (aborted) while the gateway was still answering. */
  readonly abandoned: RecordedCommand[] = [];
  /** Commands refused during a simulated outage. */
  refused = 0;
  private failingUntil = 0;
  private answerDelayMs = 0;
  private slowKinds: GatewayCommandKind[] = [];
  private readonly refusedDevices = new Map<string, { status: number; reason: string }>();
  private readonly listeners: ((command: RecordedCommand) => void)[] = [];

  /** Refuses every command until `until` (a Date, or forever with Infinity). */
  failUntil(until: Date | number): void {
    this.failingUntil = typeof until === 'number' ? until : until.getTime();
  }

  recover(): void {
    this.failingUntil = 0;
    this.answerDelayMs = 0;
    this.refusedDevices.clear();
  }

  /** Takes `ms` to answer each command of these kinds (a slow gateway); a command counts as accepted when it answers. */
  answerAfter(ms: number, kinds: GatewayCommandKind[] = ['LOCK', 'UNLOCK']): void {
    this.answerDelayMs = ms;
    this.slowKinds = kinds;
  }

  /** Refuses every command for the device for good, as a gateway answers 4xx for a device it does not know. */
  refuseDevice(deviceUid: string, status = 404, reason = 'unknown device'): void {
    this.refusedDevices.set(deviceUid, { status, reason });
  }

  /** Called after each accepted command: lets a simulated device react (e.g. check in). */
  onCommand(listener: (command: RecordedCommand) => void): void {
    this.listeners.push(listener);
  }

  sendLock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt> {
    return this.accept('LOCK', command, options?.signal);
  }

  sendUnlock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt> {
    return this.accept('UNLOCK', command, options?.signal);
  }

  private async accept(kind: GatewayCommandKind, command: GatewayCommand, abort?: AbortSignal): Promise<GatewayReceipt> {
    if (Date.now() < this.failingUntil) {
      this.refused++;
      throw new SimulatedGatewayOutage(kind, command.deviceUid);
    }
    const refusal = this.refusedDevices.get(command.deviceUid);
    if (refusal) {
      this.refused++;
      throw new GatewayRefusal(kind, command.deviceUid, refusal.status, refusal.reason);
    }
    if (this.answerDelayMs > 0 && this.slowKinds.includes(kind)) {
      try {
        await sleep(this.answerDelayMs, undefined, { signal: abort });
      } catch (err) {
        this.abandoned.push({ kind, ...command, sentAt: Date.now() });
        throw err;
      }
    }
    const sentAt = Date.now();
    const recorded: RecordedCommand = { kind, ...command, sentAt };
    this.commands.push(recorded);
    for (const listener of this.listeners) listener(recorded);
    return { acceptedAt: sentAt };
  }
}
