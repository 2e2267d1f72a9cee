// The device-control gateway (the seeds' "cf-util-api"): sends lock and unlock commands to devices.
// The activities see one device's command at a time (DeviceControlGateway); the gateway itself takes them in
// groups of one (tenant, provision type, service type, kind), POST {GATEWAY_URL}/commands as documented in
// docs/gateway-openapi.yaml (GatewayCommandsClient, spoken by httpGateway.ts; the grouping is groupedGateway.ts).
// Pure: what a command is and how the gateway refuses one.

export type GatewayCommandKind = 'LOCK' | 'UNLOCK';

export interface GatewayCommand {
  tenantId: string;
  /** The device's service type: commands are grouped by it. */
  serviceTypeId: number;
  /** How the device was provisioned: commands are grouped by it (DEFAULT_PROVISION_TYPE until the inventory records it). */
  provisionType?: string;
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

/** The provision type of every device until the inventory records one per device. */
export const DEFAULT_PROVISION_TYPE = 'default';

/** One request to the gateway: commands of one kind for devices of one (tenant, provision type, service type). */
export interface GatewayCommandsRequest {
  kind: GatewayCommandKind;
  tenantId: string;
  provisionType: string;
  serviceTypeId: number;
  devices: { deviceUid: string; actionId: string; notification: unknown; dueAt: number | null }[];
}

/** The gateway's answer for one device of a request: taken, or refused with an HTTP-like status and a reason. */
export interface GatewayDeviceResult {
  deviceUid: string;
  accepted: boolean;
  status: number;
  reason: string | null;
}

/** The gateway as it is called: one request of many devices' commands, answered per device. */
export interface GatewayCommandsClient {
  /**
   * Answers each device's result, or throws when the request failed as a whole (timeout, unreachable, not 200):
   * then every command of the request may be sent again. The idempotency key names the request's commands.
   */
  sendCommands(request: GatewayCommandsRequest, idempotencyKey: string): Promise<GatewayDeviceResult[]>;
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
