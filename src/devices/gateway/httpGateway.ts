// HTTP client of the device-control gateway: POST {GATEWAY_URL}/commands, as docs/gateway-openapi.yaml documents
// it. A request that fails as a whole (timeout, unreachable, an answer other than 200, a body that is not the
// contract's) is thrown, for each command's activity to retry; otherwise each device's result is returned.
import { GatewayCommandsClient, GatewayCommandsRequest, GatewayDeviceResult } from './deviceControlGateway';

class GatewayRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GatewayRequestError';
  }
}

export class HttpGatewayCommandsClient implements GatewayCommandsClient {
  private readonly commandsUrl: URL;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.commandsUrl = new URL('commands', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  }

  async sendCommands(request: GatewayCommandsRequest, idempotencyKey: string): Promise<GatewayDeviceResult[]> {
    const what = `${request.kind} of ${request.devices.length} device(s) of tenant ${request.tenantId}, service type ${request.serviceTypeId}`;
    let response: Response;
    try {
      response = await fetch(this.commandsUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(request),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : (err as Error).message;
      throw new GatewayRequestError(`${what}: gateway unreachable: ${reason}`);
    }
    // Read the whole body either way, so the connection can be reused.
    const body = await response.text().catch(() => '');
    if (response.status !== 200) {
      throw new GatewayRequestError(`${what}: gateway answered ${response.status} ${body.slice(0, 200)}`, response.status);
    }
    const results = parseResults(body);
    if (!results) throw new GatewayRequestError(`${what}: the gateway's answer is not {"results": [...]}: ${body.slice(0, 200)}`);
    return results;
  }
}

/** The answer's results, or null when the body is not the contract's `{"results": [{deviceUid, accepted, ...}]}`. */
function parseResults(body: string): GatewayDeviceResult[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return null;
  const valid: GatewayDeviceResult[] = [];
  for (const entry of results as Record<string, unknown>[]) {
    if (typeof entry?.deviceUid !== 'string' || typeof entry.accepted !== 'boolean') return null;
    valid.push({
      deviceUid: entry.deviceUid,
      accepted: entry.accepted,
      status: typeof entry.status === 'number' ? entry.status : entry.accepted ? 200 : 500,
      reason: typeof entry.reason === 'string' ? entry.reason.slice(0, 200) : null,
    });
  }
  return valid;
}
