// HTTP client of a real device-control gateway. Every failure (timeout, network, non-2xx) is thrown:
// the activity's retry policy does the retrying, with backoff.
import { DeviceControlGateway, GatewayCommand, GatewayCommandKind, GatewayReceipt } from './deviceControlGateway';

export class GatewayRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GatewayRequestError';
  }
}

export class HttpDeviceControlGateway implements DeviceControlGateway {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  sendLock(command: GatewayCommand): Promise<GatewayReceipt> {
    return this.post('LOCK', command);
  }

  sendUnlock(command: GatewayCommand): Promise<GatewayReceipt> {
    return this.post('UNLOCK', command);
  }

  private async post(kind: GatewayCommandKind, command: GatewayCommand): Promise<GatewayReceipt> {
    const path = kind === 'LOCK' ? 'lock' : 'unlock';
    const url = new URL(
      `devices/${encodeURIComponent(command.deviceUid)}/${path}`,
      this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`,
    );
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `${command.actionId}/${kind}` },
        body: JSON.stringify({ kind, ...command }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (err as Error).message;
      throw new GatewayRequestError(`${kind} ${command.deviceUid}: gateway unreachable: ${reason}`);
    }
    // Drain the body so the connection can be reused.
    const body = await response.text().catch(() => '');
    if (!response.ok) {
      throw new GatewayRequestError(
        `${kind} ${command.deviceUid}: gateway answered ${response.status} ${body.slice(0, 200)}`,
        response.status,
      );
    }
    return { acceptedAt: Date.now() };
  }
}
