// The simulated device-control gateway: a process of its own, on loopback, implementing docs/gateway-openapi.yaml
// (POST /commands) for the local stack, which starts it and points the worker's GATEWAY_URL at it. It takes every
// command (once per action and kind: a command sent again is answered as taken again), optionally slowly
// (GATEWAY_SIMULATOR_ANSWER_MS) or refusing some devices for good (GATEWAY_SIMULATOR_REFUSE: UIDs, comma-separated,
// answered 404 "unknown device"), and logs one line per request. Benchmarks and the contract test run it in-process.
import { once } from 'node:events';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

type Kind = 'LOCK' | 'UNLOCK';

interface DeviceCommand {
  deviceUid: string;
  actionId: string;
  notification: unknown;
  dueAt: number | null;
}

interface CommandsRequest {
  kind: Kind;
  tenantId: string;
  provisionType: string;
  serviceTypeId: number;
  devices: DeviceCommand[];
}

/** A request the simulator answered 200, as it received it. */
export interface ReceivedRequest extends CommandsRequest {
  idempotencyKey: string;
  receivedAt: number;
}

export interface GatewaySimulatorOptions {
  port?: number;
  /** How long each request takes to answer. */
  answerMs?: number;
  /** Devices refused for good (404 unknown device). */
  refusedDevices?: Iterable<string>;
  /** Called for each request answered 200. */
  onRequest?: (request: ReceivedRequest) => void;
}

export interface GatewaySimulator {
  url: string;
  /** The requests answered 200, in order. */
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

const MAX_DEVICES = 10_000;

export async function startGatewaySimulator(options: GatewaySimulatorOptions = {}): Promise<GatewaySimulator> {
  const requests: ReceivedRequest[] = [];
  const refused = new Set(options.refusedDevices ?? []);
  const server: Server = createServer((req, res) => {
    void answer(req, res).catch((err: Error) => problem(res, 500, 'Simulator failure', err.message));
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (req.method !== 'POST' || path !== '/commands') return problem(res, 404, 'Not found', `${req.method} ${path}: only POST /commands`);
    const idempotencyKey = req.headers['idempotency-key'];
    if (typeof idempotencyKey !== 'string' || idempotencyKey === '')
      return problem(res, 400, 'Bad request', 'the Idempotency-Key header is missing');
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return problem(res, 400, 'Bad request', 'the body is not JSON');
    }
    const mistake = mistakeIn(body);
    if (mistake) return problem(res, 400, 'Bad request', mistake);
    const request = body as CommandsRequest;
    if (options.answerMs) await sleep(options.answerMs);
    const received: ReceivedRequest = { ...request, idempotencyKey, receivedAt: Date.now() };
    requests.push(received);
    options.onRequest?.(received);
    const results = request.devices.map(({ deviceUid }) =>
      refused.has(deviceUid)
        ? { deviceUid, accepted: false, status: 404, reason: 'unknown device' }
        : { deviceUid, accepted: true, status: 202, reason: null },
    );
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
  }

  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What makes the body not a CommandsRequest of docs/gateway-openapi.yaml, or null when it is one. */
function mistakeIn(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body is not a JSON object';
  const request = body as Record<string, unknown>;
  const allowed = ['kind', 'tenantId', 'provisionType', 'serviceTypeId', 'devices'];
  const unknown = Object.keys(request).find((field) => !allowed.includes(field));
  if (unknown) return `unknown field ${unknown}`;
  if (request.kind !== 'LOCK' && request.kind !== 'UNLOCK') return 'kind must be LOCK or UNLOCK';
  for (const field of ['tenantId', 'provisionType']) {
    if (typeof request[field] !== 'string' || request[field] === '') return `${field} must be a non-empty string`;
  }
  if (!Number.isInteger(request.serviceTypeId)) return 'serviceTypeId must be an integer';
  const devices = request.devices;
  if (!Array.isArray(devices) || devices.length === 0 || devices.length > MAX_DEVICES)
    return `devices must hold 1 to ${MAX_DEVICES} commands`;
  const seen = new Set<string>();
  for (const [i, device] of (devices as Record<string, unknown>[]).entries()) {
    if (typeof device !== 'object' || device === null) return `devices[${i}] is not an object`;
    const extra = Object.keys(device).find((field) => !['deviceUid', 'actionId', 'notification', 'dueAt'].includes(field));
    if (extra) return `devices[${i}]: unknown field ${extra}`;
    if (typeof device.deviceUid !== 'string' || device.deviceUid === '') return `devices[${i}].deviceUid must be a non-empty string`;
    if (typeof device.actionId !== 'string' || device.actionId === '') return `devices[${i}].actionId must be a non-empty string`;
    if (!('notification' in device)) return `devices[${i}].notification is missing`;
    if (device.dueAt !== null && !Number.isInteger(device.dueAt)) return `devices[${i}].dueAt must be epoch ms or null`;
    if (seen.has(device.deviceUid)) return `device ${device.deviceUid} appears twice`;
    seen.add(device.deviceUid);
  }
  return null;
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title, status, detail }));
}

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`gateway simulator: ${name} must be a whole number, got "${raw}"\n`);
    process.exit(1);
  }
  return value;
}

async function main(): Promise<void> {
  const simulator = await startGatewaySimulator({
    port: setting('GATEWAY_SIMULATOR_PORT', 3100),
    answerMs: setting('GATEWAY_SIMULATOR_ANSWER_MS', 0),
    refusedDevices: (process.env.GATEWAY_SIMULATOR_REFUSE ?? '').split(',').filter((uid) => uid !== ''),
    onRequest: (r) =>
      process.stdout.write(
        `${JSON.stringify({ at: new Date(r.receivedAt).toISOString(), kind: r.kind, tenantId: r.tenantId, serviceTypeId: r.serviceTypeId, devices: r.devices.length, idempotencyKey: r.idempotencyKey })}\n`,
      ),
  });
  process.stdout.write(`gateway simulator listening on ${simulator.url} (POST /commands, docs/gateway-openapi.yaml)\n`);
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) void main();
