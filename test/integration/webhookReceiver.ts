// A webhook receiver for the tests: a local HTTP server that keeps every request it is sent (headers and raw
// body), can go down (connections refused) and come back on the same port, and verifies signatures with the
// `standardwebhooks` package, an implementation of the specification independent of ours.
import { AddressInfo } from 'node:net';
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** The body as the receiver's verifier accepted it; throws when the signature does not hold. */
  verified(secret: string): { id: string; type: string; timestamp: string; data: Record<string, unknown> };
}

export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = req.headers;
        this.received.push({ headers, body, verified: (secret) => verifyWebhook(secret, body, headers) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', () => resolve()));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Refuses connections until up() again. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }

  /** The events received, each once in order of first arrival, parsed. */
  eventsOfType(type: string): { id: string; type: string; data: Record<string, unknown> }[] {
    const seen = new Set<string>();
    const events = [];
    for (const { body } of this.received) {
      const event = JSON.parse(body) as { id: string; type: string; data: Record<string, unknown> };
      if (event.type !== type || seen.has(event.id)) continue;
      seen.add(event.id);
      events.push(event);
    }
    return events;
  }
}

/** What a receiver does with a request: the event when the signature holds for `body`, else it throws. */
export function verifyWebhook(secret: string, body: string, headers: IncomingHttpHeaders): ReturnType<ReceivedWebhook['verified']> {
  return new Webhook(secret).verify(body, flat(headers)) as ReturnType<ReceivedWebhook['verified']>;
}

function flat(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
  );
}
