// Building blocks of the OpenAPI document's operations: tags, the shape every operation must have,
// shared answers (problem+json per error-code family) and parameters.
import { problemExamples } from './examples';
import { Schema, int, ref, str } from './schemas';
import { problemTitles } from '../http/problem';

export const tags = [
  { name: 'batches', description: 'CSV uploads that assign, register or exit a catalogue workflow on many devices, and their progress.' },
  { name: 'devices', description: 'One device: its state, timeline, and single-device workflow assignment.' },
  { name: 'temp-locks', description: "Temporary device locks honouring the tenant's working hours, activated by the device's check-in." },
  { name: 'webhooks', description: 'Events sent out to your URLs as Standard Webhooks, and their delivery attempts.' },
  { name: 'tenants', description: "Settings of a tenant in the caller's tenant tree." },
  { name: 'workflows', description: 'The catalogue of workflows that can be assigned to devices.' },
  { name: 'account', description: 'Who the API key belongs to.' },
] as const;
type Tag = (typeof tags)[number]['name'];

/** What every operation must state; Redocly's lint checks the served document again. */
interface Operation {
  /** A client method name: verbNoun, e.g. uploadBatch. */
  operationId: string;
  summary: string;
  description?: string;
  tags: [Tag];
  parameters?: Schema[];
  requestBody?: Schema;
  responses: Record<number, Schema>;
}
export type PathItem = Partial<Record<'get' | 'put' | 'post' | 'delete', Operation>>;

const json = (schema: string, example?: unknown) => ({
  'application/json': { schema: ref(schema), ...(example ? { example } : {}) },
});
export const answer = (description: string, schema: string, example?: unknown): Schema => ({ description, content: json(schema, example) });
type ProblemExample = keyof typeof problemExamples;
/** A problem+json answer with the examples of the codes this operation can give. */
export const problem = (description: string, ...codes: ProblemExample[]): Schema => ({
  description,
  content: {
    'application/problem+json': {
      schema: ref('Problem'),
      examples: Object.fromEntries(codes.map((name) => [name, { value: problemExample(name) }])),
    },
  },
});
const problemExample = (name: ProblemExample) => {
  const { status, ...rest } = problemExamples[name];
  return { type: 'about:blank', title: problemTitles[status], status, ...rest };
};
const shared = (name: keyof typeof responses): Schema => ({ $ref: `#/components/responses/${name}` });
export const responses = {
  Unauthenticated: problem('The X-API-Key header is missing, or the key is unknown or revoked.', 'unauthenticated'),
  Forbidden: problem("The API key's role may not do this (a device-gateway key may only check in).", 'forbidden'),
  RateLimited: {
    ...problem(
      'Too many requests for this API key, or too many failed authentications from this client address (a key this API has not seen valid must wait too); wait the Retry-After seconds.',
      'rateLimited',
      'tooManyFailedAuthentications',
    ),
    headers: { 'Retry-After': { description: 'Seconds to wait before the next request.', schema: int } },
  },
  Unavailable: problem(
    'This instance is shutting down (send the request again) or a backing service is unreachable.',
    'serviceUnavailable',
  ),
};
/** Answers every authenticated operation can give. */
export const authErrors = {
  401: shared('Unauthenticated'),
  403: shared('Forbidden'),
  429: shared('RateLimited'),
  503: shared('Unavailable'),
};
export /** Answers of every operation that takes a JSON body; an operation's own 400 or 422 replaces these (its 422 names jsonTooDeep too). */
const jsonBodyErrors = {
  400: problem('The body is not valid JSON.', 'invalidJson'),
  413: problem('The body is larger than the API accepts.', 'payloadTooLarge'),
  415: problem('The body is not application/json.', 'jsonOnly'),
  422: problem('The body nests objects and arrays deeper than 32 levels.', 'jsonTooDeep'),
};
export const location = { Location: { description: 'The URL of the resource to poll.', schema: str } };

export const batchId = { name: 'id', in: 'path', required: true, description: 'The batch id returned by uploadBatch.', schema: str };
export const deviceUid = { name: 'uid', in: 'path', required: true, description: 'The 15-digit IMEI or serial number.', schema: str };
export const tenantQuery = {
  name: 'tenantId',
  in: 'query',
  description: 'A workspace in your tenant tree (default: your own tenant).',
  schema: str,
};
export const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  description:
    'Scoped to your tenant, this operation and its target (the device). Repeating the same request with the same key (at most ' +
    '200 characters) answers the first answer and does nothing again; a different request with a used key is 422 IDEMPOTENCY_KEY_REUSED.',
  schema: { type: 'string', maxLength: 200 },
};
