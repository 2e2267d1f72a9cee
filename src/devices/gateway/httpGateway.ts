// HTTP client of a real device-control gateway. A permanent refusal (4xx) is a GatewayRefusal; every other
// failure (timeout, network, 5xx) is thrown for the activity's retry policy to retry, with backoff.
import {
  DeviceControlGateway,
  GatewayCommand,
  GatewayCommandKind,
  GatewayReceipt,
  GatewayRefusal,
  SendOptions,
  isPermanentRefusal,
} from './deviceControlGateway';

class GatewayRequestError extends Error {
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

  sendLock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt> {
    return this.post('LOCK', command, options?.signal);
  }

  sendUnlock(command: GatewayCommand, options?: SendOptions): Promise<GatewayReceipt> {
    return this.post('UNLOCK', command, options?.signal);
  }

  private async post(kind: GatewayCommandKind, command: GatewayCommand, abort?: AbortSignal): Promise<GatewayReceipt> {
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
        signal: abort ? AbortSignal.any([abort, AbortSignal.timeout(this.timeoutMs)]) : AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (abort?.aborted) throw new GatewayRequestError(`${kind} ${command.deviceUid}: request abandoned (the command was cancelled)`);
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (err as Error).message;
      throw new GatewayRequestError(`${kind} ${command.deviceUid}: gateway unreachable: ${reason}`);
    }
    // Drain the body so the connection can be reused.
    const body = await response.text().catch(() => '');
    if (isPermanentRefusal(response.status)) throw new GatewayRefusal(kind, command.deviceUid, response.status, refusalReason(body));
    if (!response.ok) {
      throw new GatewayRequestError(
        `${kind} ${command.deviceUid}: gateway answered ${response.status} ${body.slice(0, 200)}`,
        response.status,
      );
    }
    return { acceptedAt: Date.now() };
  }
}

/** The gateway's reason for a refusal: a JSON body's message/reason/error, else the text, at most 200 characters. */
function refusalReason(body: string): string {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const reason = parsed.message ?? parsed.reason ?? parsed.error ?? parsed.detail;
    if (typeof reason === 'string') return reason.slice(0, 200);
  } catch {
    /* not JSON */
  }
  return body.slice(0, 200);
}
