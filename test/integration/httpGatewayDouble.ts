// A device-control gateway over HTTP, as the product's HTTP client talks to it (POST {url}/devices/{uid}/lock|unlock),
// that behaves like a real one: it answers 200 (or what a test tells it to, per device and kind), and the device
// it commands checks in right after it receives an UNLOCK, as a real device does on its push.
import { once } from 'node:events';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface GatewayRequest {
  kind: 'LOCK' | 'UNLOCK';
  deviceUid: string;
  actionId: string;
  /** What the gateway answered. */
  status: number;
  at: number;
}

type Answer = { status: number; body: string };

export class HttpGatewayDouble {
  readonly requests: GatewayRequest[] = [];
  url = '';
  /** Per device and kind, the answers to give next (then 200). */
  private readonly scripted = new Map<string, Answer[]>();
  private readonly devices = new Map<string, () => Promise<unknown>>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const command = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        kind: 'LOCK' | 'UNLOCK';
        deviceUid: string;
        actionId: string;
      };
      const key = `${command.deviceUid}/${command.kind}`;
      const answer = this.scripted.get(key)?.shift() ?? { status: 200, body: '{"accepted":true}' };
      this.requests.push({
        kind: command.kind,
        deviceUid: command.deviceUid,
        actionId: command.actionId,
        status: answer.status,
        at: Date.now(),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
      const device = this.devices.get(command.deviceUid);
      if (command.kind === 'UNLOCK' && answer.status === 200 && device) setTimeout(() => void device().catch(() => undefined), 5);
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

  /** The next answers to the device's commands of `kind`, in order; 200 after them. */
  answer(deviceUid: string, kind: 'LOCK' | 'UNLOCK', ...answers: { status: number; message: string }[]): void {
    this.scripted.set(
      `${deviceUid}/${kind}`,
      answers.map(({ status, message }) => ({ status, body: JSON.stringify({ message }) })),
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
