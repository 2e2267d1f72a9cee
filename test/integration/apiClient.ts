// The tests' HTTP client, typed by the types generated from the OpenAPI document (src/platform/openapi/types.ts):
// paths, parameters, bodies and answers per status come from the document, so a test that uses a shape the
// document does not describe fails `npm run typecheck`. At run time every answer is checked against the
// document too: an undocumented status, media type or body shape throws, naming the operation.
import { openApiDocument } from '../../src/platform/openapi/document';
import type { components, paths } from '../../src/platform/openapi/types';
import { Schema } from '../../src/platform/openapi/schemas';
import { schemaMismatches } from './schemaCheck';

/** The document's component schemas as TypeScript types, e.g. Schemas['BatchStatus']. */
export type Schemas = components['schemas'];

type Method = 'get' | 'put' | 'post' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
/** The paths that have an operation for `M`. */
type PathsWith<M extends Method> = { [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P }[keyof paths];

type ParametersOf<O> = O extends { parameters: infer P } ? P : never;
type PathPart<O> = ParametersOf<O> extends { path: infer X } ? { path: X } : unknown;
type QueryPart<O> =
  ParametersOf<O> extends { query: infer Q }
    ? { query: Q }
    : ParametersOf<O> extends { query?: infer Q }
      ? [NonNullable<Q>] extends [never]
        ? unknown
        : { query?: Q }
      : unknown;
type BodyValue<C> = C[keyof C] | ('multipart/form-data' extends keyof C ? FormData : never) | ('text/csv' extends keyof C ? Buffer : never);
type BodyPart<O> = O extends { requestBody: { content: infer C } }
  ? { body: BodyValue<C> }
  : O extends { requestBody?: { content: infer C } }
    ? [C] extends [never]
      ? unknown
      : { body?: BodyValue<C> }
    : unknown;
/** What a request to operation O may carry; `headers` go out as given (e.g. Idempotency-Key). */
export type RequestOptions<O> = PathPart<O> & QueryPart<O> & BodyPart<O> & { headers?: Record<string, string> };
type OptionsArgument<O> =
  Partial<RequestOptions<O>> extends RequestOptions<O> ? [options?: RequestOptions<O>] : [options: RequestOptions<O>];

type ResponsesOf<O> = O extends { responses: infer R } ? R : never;
type BodyOf<R> = R extends { content: infer C } ? C[keyof C] : null;
/** The answer as a union over the documented statuses: narrow it with `expectStatus`. */
type ApiAnswer<O> = {
  [S in keyof ResponsesOf<O> & number]: { status: S; body: BodyOf<ResponsesOf<O>[S]>; headers: Headers };
}[keyof ResponsesOf<O> & number];

export interface ApiClient {
  get<P extends PathsWith<'get'>>(path: P, ...options: OptionsArgument<Operation<P, 'get'>>): Promise<ApiAnswer<Operation<P, 'get'>>>;
  put<P extends PathsWith<'put'>>(path: P, ...options: OptionsArgument<Operation<P, 'put'>>): Promise<ApiAnswer<Operation<P, 'put'>>>;
  post<P extends PathsWith<'post'>>(path: P, ...options: OptionsArgument<Operation<P, 'post'>>): Promise<ApiAnswer<Operation<P, 'post'>>>;
  delete<P extends PathsWith<'delete'>>(
    path: P,
    ...options: OptionsArgument<Operation<P, 'delete'>>
  ): Promise<ApiAnswer<Operation<P, 'delete'>>>;
}

/** A client of the API at `base` (e.g. http://127.0.0.1:PORT) that sends `apiKey` on every request. */
export function apiClient(base: string, apiKey: string): ApiClient {
  const send = (method: Method) => (path: string, options?: LooseOptions) => request(base, apiKey, method, path, options ?? {});
  return { get: send('get'), put: send('put'), post: send('post'), delete: send('delete') } as ApiClient;
}

/** Fails the test unless the answer has `status`; returns its body, typed for that status. */
export function expectStatus<A extends { status: number; body: unknown }, S extends A['status']>(
  answer: A,
  status: S,
): Extract<A, { status: S }>['body'] {
  if (answer.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body as Extract<A, { status: S }>['body'];
}

interface LooseOptions {
  path?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

async function request(base: string, apiKey: string, method: Method, template: string, options: LooseOptions) {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options.path?.[name] ?? ''));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(name, String(value));
  const { body, contentType } = encodeBody(options.body);
  const response = await fetch(`${base}/v1${path}${query.size ? `?${query}` : ''}`, {
    method: method.toUpperCase(),
    headers: { 'X-API-Key': apiKey, ...(contentType ? { 'Content-Type': contentType } : {}), ...options.headers },
    body,
  });
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const text = await response.text();
  const answer = { status: response.status, body: decodeBody(mediaType, text), headers: response.headers };
  checkAgainstDocument(`${method.toUpperCase()} ${template}`, operationOf(template, method), answer.status, mediaType, answer.body);
  return answer;
}

function encodeBody(body: unknown): { body?: RequestInit['body']; contentType?: string } {
  if (body === undefined) return {};
  if (typeof body === 'string' || Buffer.isBuffer(body)) return { body: body as RequestInit['body'], contentType: 'text/csv' };
  if (body instanceof FormData) return { body };
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

function decodeBody(mediaType: string, text: string): unknown {
  if (text === '') return null;
  return mediaType.endsWith('json') ? JSON.parse(text) : text;
}

type DocumentOperation = { responses: Record<string, Schema> };

function operationOf(template: string, method: Method): DocumentOperation {
  const item = (openApiDocument.paths as Record<string, Partial<Record<Method, DocumentOperation>>>)[template];
  const operation = item?.[method];
  if (!operation) throw new Error(`${method.toUpperCase()} ${template} is not in the OpenAPI document`);
  return operation;
}

/** The documented answer for `status` must list the media type, and the body must match its schema. */
function checkAgainstDocument(name: string, operation: DocumentOperation, status: number, mediaType: string, body: unknown): void {
  let documented = operation.responses[status];
  if (documented && typeof documented.$ref === 'string') {
    documented = (openApiDocument.components.responses as Record<string, Schema>)[documented.$ref.split('/').pop()!];
  }
  if (!documented) throw new Error(`${name} answered ${status}, which the OpenAPI document does not list: ${JSON.stringify(body)}`);
  const content = documented.content as Record<string, { schema?: Schema }> | undefined;
  if (!content) return;
  const media = content[mediaType];
  if (!media) throw new Error(`${name} answered ${status} as ${mediaType}; the document says ${Object.keys(content).join(' or ')}`);
  const mismatches = media.schema ? schemaMismatches(body, media.schema) : [];
  if (mismatches.length > 0) throw new Error(`${name} answered ${status} unlike the document:\n${mismatches.join('\n')}`);
}
