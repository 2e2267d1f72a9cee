// The worker's device-control gateway, chosen from the settings.
import type { AppConfig } from '../../platform/config';
import type { MongoStores } from '../../platform/db/mongo';
import type { DeviceControlGateway } from './deviceControlGateway';
import { HttpDeviceControlGateway } from './httpGateway';
import { SimulatedDeviceControlGateway } from './simulatedGateway';

/** The configured gateway: the HTTP client when GATEWAY_URL is set, otherwise the simulator. */
export function createDeviceControlGateway(config: AppConfig, mongo: MongoStores): DeviceControlGateway {
  if (config.gateway.url) return new HttpDeviceControlGateway(config.gateway.url, config.gateway.timeoutMs);
  return new SimulatedDeviceControlGateway(mongo.gatewayCommands);
}
