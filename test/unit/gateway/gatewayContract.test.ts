// The gateway contract (docs/gateway-openapi.yaml): the product's HTTP client against the simulated gateway
// (dev/gatewaySimulator.ts), each request and answer checked against the document's schemas.
import Ajv2020 from 'ajv/dist/2020';
import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewaySimulator, startGatewaySimulator } from '../../../dev/gatewaySimulator';
import { createDeviceControlGateway } from '../../../src/devices/gateway/createGateway';
import { GatewayCommandsRequest, GatewayRefusal } from '../../../src/devices/gateway/deviceControlGateway';
import { GroupedDeviceControlGateway } from '../../../src/devices/gateway/groupedGateway';
import { HttpGatewayCommandsClient } from '../../../src/devices/gateway/httpGateway';
import { ConfigError, loadConfig } from '../../../src/platform/config';

const contract = load(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'gateway-openapi.yaml'), 'utf8')) as object;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(contract, 'gateway');
const validRequest = ajv.compile({ $ref: 'gateway#/components/schemas/CommandsRequest' });
const validAnswer = ajv.compile({ $ref: 'gateway#/components/schemas/CommandsAnswer' });

const request = (overrides: Partial<GatewayCommandsRequest> = {}): GatewayCommandsRequest => ({
  kind: 'LOCK',
  tenantId: 'acme',
  provisionType: 'default',
  serviceTypeId: 3,
  devices: [
    { deviceUid: '490154203237518', actionId: 'a1', notification: { title: 'Payment overdue' }, dueAt: null },
    { deviceUid: '350503849668503', actionId: 'a2', notification: null, dueAt: null },
  ],
  ...overrides,
});

describe('the gateway contract: the HTTP client against the simulated gateway', () => {
  let simulator: GatewaySimulator;
  let client: HttpGatewayCommandsClient;
  beforeAll(async () => {
    simulator = await startGatewaySimulator({ refusedDevices: ['350503849668503'] });
    client = new HttpGatewayCommandsClient(simulator.url, 2000);
  });
  afterAll(() => simulator.close());

  it('sends POST /commands with an Idempotency-Key and reads one result per device, as the document says', async () => {
    const sent = request();
    const results = await client.sendCommands(sent, 'lock-key-1');

    const received = simulator.requests.at(-1)!;
    const { idempotencyKey, receivedAt, ...body } = received;
    expect(validRequest(body)).toBe(true);
    expect(body).toEqual(sent);
    expect(idempotencyKey).toBe('lock-key-1');
    expect(receivedAt).toEqual(expect.any(Number));
    expect(validAnswer({ results })).toBe(true);
    expect(results).toEqual([
      { deviceUid: '490154203237518', accepted: true, status: 202, reason: null },
      { deviceUid: '350503849668503', accepted: false, status: 404, reason: 'unknown device' },
    ]);
  });

  it('an UNLOCK carries when it was due, or null after a cancel', async () => {
    const sent = request({
      kind: 'UNLOCK',
      devices: [
        { deviceUid: '490154203237518', actionId: 'a1', notification: null, dueAt: 1_780_000_000_000 },
        { deviceUid: '356938035643809', actionId: 'a3', notification: null, dueAt: null },
      ],
    });
    await client.sendCommands(sent, 'unlock-key-1');

    const { idempotencyKey: _key, receivedAt: _at, ...body } = simulator.requests.at(-1)!;
    expect(validRequest(body)).toBe(true);
    expect(body).toEqual(sent);
  });

  it("a request the gateway does not take as a whole (400) fails as a whole, with the gateway's words", async () => {
    const before = simulator.requests.length;
    await expect(client.sendCommands(request({ serviceTypeId: 1.5 }), 'bad-key')).rejects.toThrow(
      /LOCK of 2 device\(s\) of tenant acme, service type 1.5: gateway answered 400 .*serviceTypeId must be an integer/,
    );
    expect(simulator.requests).toHaveLength(before);
  });

  it('an unreachable gateway fails the request, saying so', async () => {
    const nowhere = new HttpGatewayCommandsClient('http://127.0.0.1:9', 1000);
    await expect(nowhere.sendCommands(request(), 'key')).rejects.toThrow(/LOCK of 2 device\(s\) .*: gateway unreachable/);
  });

  it('through the grouping gateway: commands gathered into one request, a refused device refused for good, the other taken', async () => {
    const gateway = new GroupedDeviceControlGateway(client, { waitMs: 20, maxDevices: 500, requestsPerSecond: 0, maxHoldMs: 4000 });
    const before = simulator.requests.length;
    const [taken, refused] = await Promise.allSettled([
      gateway.sendLock({ tenantId: 'acme', serviceTypeId: 3, deviceUid: '490154203237518', actionId: 'b1', notification: null }),
      gateway.sendLock({ tenantId: 'acme', serviceTypeId: 3, deviceUid: '350503849668503', actionId: 'b2', notification: null }),
    ]);

    expect(simulator.requests.length - before).toBe(1);
    expect(taken.status).toBe('fulfilled');
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(GatewayRefusal) });
    expect((refused as PromiseRejectedResult).reason.message).toBe(
      'the device-control gateway refused LOCK for device 350503849668503: 404 unknown device',
    );
  });
});

describe('a worker without GATEWAY_URL', () => {
  it('refuses to start, naming the setting and how to run the simulated gateway', () => {
    expect(() => createDeviceControlGateway(loadConfig({}))).toThrow(ConfigError);
    expect(() => createDeviceControlGateway(loadConfig({}))).toThrow(/^GATEWAY_URL: not set\. .*gatewaySimulator/);
  });
});
