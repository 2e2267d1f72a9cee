// The device-control gateway (the seeds' "cf-util-api"): sends lock and unlock commands to devices.
// One interface, two implementations (createGateway.ts): an HTTP client for a configured URL and a built-in
// simulator. Pure: what a command is and how the gateway refuses one.

export type GatewayCommandKind = 'LOCK' | 'UNLOCK';

export interface GatewayCommand {
  tenantId: string;
  deviceUid: string;
  /** The temp-lock action the command belongs to; with the kind it makes a re-sent command recognisable. */
  actionId: string;
  /** Free JSON from the operator, passed to the device with the lock command. */
  notification?: unknown;
  /** LOCK: when the lock is expected to end, if known. UNLOCK: when the unlock was due (null when cancelled). */
  dueAt?: number | null;
}

export interface GatewayReceipt {
  /** Epoch ms at which the gateway accepted the command. */
  acceptedAt: number;
}

export interface SendOptions {
  /** Aborts the request (the activity was cancelled): the command is abandoned, not left running. */
  signal?: AbortSignal;
}

export interface DeviceControlGateway {
  /**
   * Throws GatewayRefusal when the gateway refuses the device for good (unknown device, gone, cannot take it),
   * any other error when it may go through later (5xx, timeout, unreachable), so the activity retries it.
   */
  sendLock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt>;
  sendUnlock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt>;
}

/** The gateway refused the device itself, in a way a retry cannot change (isPermanentRefusal). */
export class GatewayRefusal extends Error {
  constructor(
    readonly kind: GatewayCommandKind,
    readonly deviceUid: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(`the device-control gateway refused ${kind} for device ${deviceUid}: ${status} ${reason}`.trim());
    this.name = 'GatewayRefusal';
  }
}

/**
 * Whether an HTTP status from the gateway refuses the device itself, for good: 404 (no such device), 410 (gone),
 * 422 (the device cannot take the command). Every other answer — 401/403 during a credential rotation, 409/423
 * while the device is busy, 408/429, 5xx — may change, so the command is retried until the gateway takes it.
 */
export function isPermanentRefusal(status: number): boolean {
  return status === 404 || status === 410 || status === 422;
}
