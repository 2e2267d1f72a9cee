// The OpenAPI 3.1 document of /v1, served at GET /v1/openapi.json. Tests check real responses
// against its schemas (test/integration/openapi.test.ts), so it cannot drift from the code unseen.

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const nullable = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const counters: Schema = { type: 'object', additionalProperties: int };
const links: Schema = { type: 'object', additionalProperties: nullable(str) };

const schemas: Record<string, Schema> = {
  Problem: obj({ type: str, title: str, status: int, code: str, detail: str }),
  Ready: obj({ status: { enum: ['ready'] }, checks: obj({ temporal: str, postgresql: str, mongodb: str }) }),
  Rows: obj({ total: int, accepted: int, rejected: int }),
  UploadAccepted: obj({ batchId: str, status: str, mode: { enum: ['assign', 'register', 'exit'] }, rows: ref('Rows'), links }),
  BatchStatus: obj({
    batchId: str,
    tenantId: str,
    status: { enum: ['CREATED', 'RUNNING', 'COMPLETED', 'CANCELLED'] },
    isSuccess: nullable(bool),
    mode: str,
    workflowId: nullable(str),
    retries: int,
    rows: ref('Rows'),
    progress: obj({ total: int, done: int, pending: int }),
    countersByStatus: counters,
    countersByCode: counters,
    timings: obj({
      createdAt: str,
      startedAt: nullable(str),
      finishedAt: nullable(str),
      elapsedSeconds: { type: 'number' },
      devicesPerSecond: nullable({ type: 'number' }),
    }),
    links,
  }),
  BatchDevice: obj({
    rowNumber: int,
    deviceUid: str,
    deviceId: nullable(int),
    status: { enum: ['PENDING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED'] },
    code: nullable(str),
    message: nullable(str),
    finishedAt: nullable(str),
  }),
  BatchDevicesPage: obj({ batchId: str, devices: { type: 'array', items: ref('BatchDevice') }, nextCursor: nullable(str), links }),
  Device: obj({
    uid: str,
    tenantId: str,
    state: str,
    stateId: int,
    previousState: nullable(str),
    allowedActions: { type: 'array', items: str },
    assignment: nullable(obj({ workflowId: str, workflowName: nullable(str) }, ['workflowId'])),
  }),
  DeviceHistory: obj({
    uid: str,
    timeline: {
      type: 'array',
      items: obj({ milestone: str, fromState: nullable(str), toState: nullable(str), source: str, at: str, elapsedSincePreviousMs: int }),
    },
  }),
  Workflow: obj({ id: str, name: str, tenantId: str, serviceTypeId: int, status: str }),
  TempLockAccepted: obj({ actionId: str, workflowId: str, status: str, durationMinutes: int, workingHours: bool, links }),
  TempLockView: obj({
    actionId: str,
    running: bool,
    status: { enum: ['WAITING', 'ACTIVATING', 'ACTIVATED', 'DEACTIVATING', 'DEACTIVATED', 'CANCELLED'] },
    directive: { enum: ['LOCK', 'UNLOCK', 'NONE'] },
    history: { type: 'array', items: obj({ seq: int, status: str, at: str }) },
  }),
  CheckInAnswer: obj({ deviceUid: str, checkedInAt: str, directive: { enum: ['LOCK', 'UNLOCK', 'NONE'] }, lockUntil: nullable(str) }),
  WorkingHours: obj({
    tenantId: str,
    timeZone: str,
    windows: { type: 'array', items: obj({ day: str, start: str, end: str }) },
    holidays: { type: 'array', items: str },
    summary: str,
  }),
};

const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
const ok = (schema: string, description = 'OK') => ({ description, content: { 'application/json': { schema: ref(schema) } } });
const errors = {
  400: problem('Bad input'),
  401: problem('Missing or unknown API key'),
  404: problem('Not found in your tenant tree'),
  429: problem('Rate limited'),
  503: problem('This instance is shutting down (send the request again) or a backing service is unreachable'),
};
const uidParam = { name: 'uid', in: 'path', required: true, schema: str };
const idParam = { name: 'id', in: 'path', required: true, schema: str };
const tenantQuery = {
  name: 'tenantId',
  in: 'query',
  required: false,
  schema: str,
  description: 'a workspace in your tenant tree (default: your tenant)',
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'device-orchestrator API',
    version: '1.0.0',
    description: 'Bulk workflow assignment and temporary device locks, orchestrated by Temporal. Authenticate with the X-API-Key header.',
  },
  servers: [{ url: '/v1' }],
  components: {
    schemas,
    securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
  },
  security: [{ apiKey: [] }],
  paths: {
    '/batches': {
      post: {
        summary: 'Upload a CSV of device UIDs and start a batch',
        parameters: ['mode', 'workflowId', 'serviceTypeId', 'targetWorkspaceId', 'createMissing'].map((name) => ({
          name,
          in: 'query',
          schema: str,
        })),
        requestBody: {
          content: { 'text/csv': { schema: str }, 'multipart/form-data': { schema: obj({ file: { type: 'string', format: 'binary' } }) } },
        },
        responses: {
          202: ok('UploadAccepted', 'Accepted'),
          ...errors,
          413: problem('File too large'),
          415: problem('Not CSV'),
          422: problem('Unknown workflow'),
        },
      },
    },
    '/batches/{id}': { get: { parameters: [idParam], responses: { 200: ok('BatchStatus'), ...errors } } },
    '/batches/{id}/devices': {
      get: {
        parameters: [idParam, ...['status', 'code', 'cursor', 'limit'].map((name) => ({ name, in: 'query', schema: str }))],
        responses: { 200: ok('BatchDevicesPage'), ...errors },
      },
    },
    '/batches/{id}/results.csv': {
      get: { parameters: [idParam], responses: { 200: { description: 'CSV', content: { 'text/csv': { schema: str } } }, ...errors } },
    },
    '/batches/{id}/cancel': {
      post: { parameters: [idParam], responses: { 202: { description: 'Cancelling' }, ...errors, 409: problem('Not running') } },
    },
    '/batches/{id}/retry': {
      post: { parameters: [idParam], responses: { 202: { description: 'Retrying' }, ...errors, 409: problem('Nothing to retry') } },
    },
    '/devices/{uid}': { get: { parameters: [uidParam, tenantQuery], responses: { 200: ok('Device'), ...errors } } },
    '/devices/{uid}/history': { get: { parameters: [uidParam, tenantQuery], responses: { 200: ok('DeviceHistory'), ...errors } } },
    '/devices/{uid}/workflow': {
      post: {
        parameters: [uidParam, tenantQuery],
        responses: { 200: { description: 'Assigned' }, ...errors, 409: problem('Not eligible') },
      },
      delete: {
        parameters: [uidParam, tenantQuery],
        responses: { 200: { description: 'Exited' }, ...errors, 409: problem('No workflow') },
      },
    },
    '/devices/{uid}/temp-lock': {
      put: {
        parameters: [uidParam, tenantQuery],
        requestBody: {
          content: {
            'application/json': { schema: obj({ durationMinutes: int, workingHours: bool, notification: {} }, ['durationMinutes']) },
          },
        },
        responses: {
          202: ok('TempLockAccepted', 'Accepted'),
          ...errors,
          409: problem('Device has no workflow'),
          422: problem('Invalid duration'),
        },
      },
      get: { parameters: [uidParam, tenantQuery], responses: { 200: ok('TempLockView'), ...errors } },
      delete: { parameters: [uidParam, tenantQuery], responses: { 202: { description: 'Cancelling' }, ...errors } },
    },
    '/devices/{uid}/check-in': {
      post: { parameters: [uidParam, tenantQuery], responses: { 200: ok('CheckInAnswer'), ...errors, 403: problem('Role') } },
    },
    '/tenants/{id}/working-hours': {
      get: { parameters: [idParam], responses: { 200: ok('WorkingHours'), ...errors } },
      put: { parameters: [idParam], responses: { 200: ok('WorkingHours'), ...errors, 422: problem('Invalid calendar') } },
    },
    '/workflows': {
      get: {
        responses: {
          200: {
            description: 'Catalogue',
            content: { 'application/json': { schema: obj({ workflows: { type: 'array', items: ref('Workflow') } }) } },
          },
          ...errors,
        },
      },
      post: { responses: { 201: ok('Workflow', 'Created'), ...errors } },
    },
  },
} as const;

/**
 * Checks a value against a schema of this document: the subset it uses (type, properties,
 * required, enum, items, anyOf, $ref, additionalProperties). Returns the mismatches, empty if none.
 */
export function schemaMismatches(value: unknown, schema: Schema, path = '$'): string[] {
  if (typeof schema.$ref === 'string') return schemaMismatches(value, schemas[schema.$ref.split('/').pop()!]!, path);
  if (Array.isArray(schema.anyOf)) {
    const options = (schema.anyOf as Schema[]).map((s) => schemaMismatches(value, s, path));
    return options.some((o) => o.length === 0) ? [] : options[0]!;
  }
  if (Array.isArray(schema.enum) && !(schema.enum as unknown[]).includes(value))
    return [`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  const type = schema.type as string | undefined;
  if (type && !hasType(value, type)) return [`${path}: expected ${type}, got ${value === null ? 'null' : typeof value}`];
  const found: string[] = [];
  if (type === 'object' && value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in record)) found.push(`${path}.${name}: missing`);
    for (const [name, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (name in record) found.push(...schemaMismatches(record[name], sub, `${path}.${name}`));
    }
    if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
      for (const [name, v] of Object.entries(record))
        found.push(...schemaMismatches(v, schema.additionalProperties as Schema, `${path}.${name}`));
    }
  }
  if (type === 'array' && Array.isArray(value) && schema.items)
    value.forEach((v, i) => found.push(...schemaMismatches(v, schema.items as Schema, `${path}[${i}]`)));
  return found;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

export function componentSchema(name: keyof typeof schemas | string): Schema {
  return { $ref: `#/components/schemas/${name}` };
}
