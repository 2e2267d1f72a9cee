// A device-control gateway over HTTP, as the product's client talks to it (POST {url}/commands, docs/gateway-openapi.yaml),
// that behaves like a real one: it takes every device's command (or answers what a test tells it to, per device and
// kind), and the device it commands checks in right after it receives an UNLOCK, as a real device does on its push.
import { once } from 'node:events';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

type Kind = 'LOCK' | 'UNLOCK';

/** One device's command as the double received it inside a request. */
export interface GatewayRequest {
  kind: Kind;
  deviceUid: string;
  actionId: string;
  /** What the double answered for the device: 200 when taken, else the scripted status. */
  status: number;
  at: number;
  /** The request it came in (an index into `commandRequests`). */
  request: number;
}

/** One request as the double received it. */
export interface CommandsRequestSeen {
  kind: Kind;
  tenantId: string;
  provisionType: string;
  serviceTypeId: number;
  deviceUids: string[];
  idempotencyKey: string;
  at: number;
}

type Answer = { status: number; reason: string };

export class HttpGatewayDouble {
  /** Every device's command, in the order received. */
  readonly requests: GatewayRequest[] = [];
  /** Every request answered 200, in order. */
  readonly commandRequests: CommandsRequestSeen[] = [];
  url = '';
  /** Per device and kind, the answers to give next (then 200). */
  private readonly scripted = new Map<string, Answer[]>();
  private readonly devices = new Map<string, () => Promise<unknown>>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        kind: Kind;
        tenantId: string;
        provisionType: string;
        serviceTypeId: number;
        devices: { deviceUid: string; actionId: string }[];
      };
      const at = Date.now();
      const request = this.commandRequests.length;
      this.commandRequests.push({
        kind: body.kind,
        tenantId: body.tenantId,
        provisionType: body.provisionType,
        serviceTypeId: body.serviceTypeId,
        deviceUids: body.devices.map((d) => d.deviceUid),
        idempotencyKey: String(req.headers['idempotency-key'] ?? ''),
        at,
      });
      const results = body.devices.map(({ deviceUid, actionId }) => {
        const answer = this.scripted.get(`${deviceUid}/${body.kind}`)?.shift() ?? { status: 200, reason: '' };
        this.requests.push({ kind: body.kind, deviceUid, actionId, status: answer.status, at, request });
        const accepted = answer.status < 300;
        return { deviceUid, accepted, status: answer.status, reason: accepted ? null : answer.reason };
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results }));
      for (const result of results) {
        const device = this.devices.get(result.deviceUid);
        if (body.kind === 'UNLOCK' && result.accepted && device) setTimeout(() => void device().catch(() => undefined), 5);
      }
    });
  });

  static async start(): Promise<HttpGatewayDouble> {
    const double = new HttpGatewayDouble();
    double.server.listen(0, '127.0.0.1');
    await once(double.server, 'listening');
    double.url = `http://127.0.0.1:${(double.server.address() as AddressInfo).port}`;
    return double;
  }

  /** The device checks in (through `checkIn`) 5 ms after the gateway took an UNLOCK for it. */
  deviceChecksInOnUnlock(deviceUid: string, checkIn: () => Promise<unknown>): void {
    this.devices.set(deviceUid, checkIn);
  }

  /** The next answers for the device's commands of `kind`, in order (its result in the request's answer); 200 after them. */
  answer(deviceUid: string, kind: Kind, ...answers: { status: number; message: string }[]): void {
    this.scripted.set(
      `${deviceUid}/${kind}`,
      answers.map(({ status, message }) => ({ status, reason: message })),
    );
  }

  requestsFor(actionId: string): GatewayRequest[] {
    return this.requests.filter((r) => r.actionId === actionId);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
