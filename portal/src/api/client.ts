// Calls to the API of this same origin with the signed-in key in X-API-Key. A refusal becomes an
// ApiProblem carrying the problem+json `detail` and `code`, which the pages show as the API words them.

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }
}

/** Reads a refused answer's problem+json body; a body of another kind still gives status and text. */
export async function problemOf(res: Response): Promise<ApiProblem> {
  const text = await res.text();
  return problemFromText(res.status, text);
}

export function problemFromText(status: number, text: string): ApiProblem {
  try {
    const body = JSON.parse(text) as { code?: unknown; detail?: unknown };
    if (typeof body.code === 'string') return new ApiProblem(status, body.code, typeof body.detail === 'string' ? body.detail : '');
  } catch {
    // not JSON: fall through
  }
  return new ApiProblem(status, `HTTP_${status}`, text.slice(0, 300) || `the API answered ${status}`);
}

/** A network failure (API down, connection cut) in the same shape as a refusal. */
export function unreachable(err: unknown): ApiProblem {
  return new ApiProblem(0, 'NETWORK_ERROR', `the API could not be reached (${err instanceof Error ? err.message : String(err)})`);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Sent as Idempotency-Key: the API answers a repeat of the same write with its first answer. */
  idempotencyKey?: string;
}

export async function apiFetch(key: string, path: string, options: RequestOptions = {}): Promise<Response> {
  // X-Client-Channel: the API records what the portal does as channel PORTAL in the device's history.
  const headers: Record<string, string> = { 'X-API-Key': key, 'X-Client-Channel': 'PORTAL', Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.idempotencyKey) headers['Idempotency-Key'] = options.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw unreachable(err);
  }
  if (!res.ok) throw await problemOf(res);
  return res;
}

export async function apiJson<T>(key: string, path: string, options: RequestOptions = {}): Promise<T> {
  const res = await apiFetch(key, path, options);
  return (await res.json()) as T;
}

/** As apiJson, for what may not exist (yet): a 404 answer is null. */
export async function apiJsonOrNull<T>(key: string, path: string, options: RequestOptions = {}): Promise<T | null> {
  return apiJson<T>(key, path, options).catch((err: unknown) => {
    if (err instanceof ApiProblem && err.status === 404) return null;
    throw err;
  });
}
