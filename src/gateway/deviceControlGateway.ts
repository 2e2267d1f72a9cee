// The device-control gateway (the seeds' "cf-util-api"): sends lock and unlock commands to devices.
// One interface, two implementations: an HTTP client for a configured URL and a built-in simulator.
import { AppConfig } from '../config';
import type { MongoStores } from '../db/mongo';
import { HttpDeviceControlGateway } from './httpGateway';
import { SimulatedDeviceControlGateway } from './simulatedGateway';

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

export interface DeviceControlGateway {
  /** Throws when the command was not accepted, so the calling activity retries it. */
  sendLock(command: GatewayCommand): Promise<GatewayReceipt>;
  sendUnlock(command: GatewayCommand): Promise<GatewayReceipt>;
}

/** The configured gateway: the HTTP client when GATEWAY_URL is set, otherwise the simulator. */
export function createDeviceControlGateway(config: AppConfig, mongo: MongoStores): DeviceControlGateway {
  if (config.gateway.url) return new HttpDeviceControlGateway(config.gateway.url, config.gateway.timeoutMs);
  return new SimulatedDeviceControlGateway(mongo.gatewayCommands);
}
