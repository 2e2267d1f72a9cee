// The worker's device-control gateway, from the settings: the HTTP client of GATEWAY_URL, its commands grouped.
// There is no built-in stand-in: the local stack starts the simulator (dev/gatewaySimulator.ts) and points
// GATEWAY_URL at it; a worker without GATEWAY_URL refuses to start.
import { ConfigError, type AppConfig } from '../../platform/config';
import type { DeviceControlGateway } from './deviceControlGateway';
import { GroupedDeviceControlGateway } from './groupedGateway';
import { HttpGatewayCommandsClient } from './httpGateway';

/**
 * A command's attempt outlives its request by 5 s (gatewayCommandTimeouts): at most 4 s of it go to gathering and to
 * waiting for a request turn, so the request always ends inside the attempt. GATEWAY_GROUP_WAIT_MS stays below.
 */
const MAX_COMMAND_HOLD_MS = 4_000;

export function createDeviceControlGateway({ gateway }: AppConfig): DeviceControlGateway {
  if (!gateway.url) {
    throw new ConfigError(
      'GATEWAY_URL',
      'not set. The worker sends lock and unlock commands to the device-control gateway at this URL ' +
        '(POST {GATEWAY_URL}/commands, docs/gateway-openapi.yaml). For local development `npm start` starts the ' +
        'simulated gateway and sets it; otherwise run `node dist-dev/dev/gatewaySimulator.js` and set GATEWAY_URL to the address it prints',
    );
  }
  return new GroupedDeviceControlGateway(new HttpGatewayCommandsClient(gateway.url, gateway.timeoutMs), {
    waitMs: gateway.groupWaitMs,
    maxDevices: gateway.groupMaxDevices,
    requestsPerSecond: gateway.requestsPerSecond,
    maxHoldMs: MAX_COMMAND_HOLD_MS,
  });
}
