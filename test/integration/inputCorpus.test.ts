// The standing bad-input corpus: every operation of the OpenAPI document, walked with oversized, deeply nested and
// wrongly typed inputs (path parameters, query parameters, JSON bodies) must answer 4xx problem+json, never 5xx and
// never 2xx. A route added to the document inherits these checks without a line here.
import { openApiDocument } from '../../src/platform/openapi/document';
import { DeviceState } from '../../src/devices/states';
import { createApiKey, imeiWithCheckDigit, insertDevices, upsertTenant } from '../../dev/inventorySeed';
import { TestStack, startTestStack } from './harness';

interface DocumentedParameter {
  name: string;
  in: string;
  schema?: { type?: string };
}
interface DocumentedOperation {
  operationId: string;
  parameters?: DocumentedParameter[];
  requestBody?: { content: Record<string, { schema?: { $ref?: string }; example?: unknown }> };
}
interface Probe {
  operationId: string;
  what: string;
  method: string;
  path: string;
  body?: string;
  contentType?: string;
}

const NOT_A_BATCH = '00000000-0000-4000-8000-00000000dead';
const OVERSIZED = 'x'.repeat(4000);
/** Values no documented parameter takes. */
const WRONG_VALUES = ['-1', '1e309', 'NaN', 'null', '{"$ne":null}', '%00', '..%2F..%2Fetc', '9'.repeat(40)];
/** Each scalar body field is swapped for these, the rest of the body being the document's valid example. */
const WRONG_FIELD_VALUES: unknown[] = [{ $ne: null }, [1], OVERSIZED.repeat(5)];
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

const operations = Object.entries(openApiDocument.paths).flatMap(([template, item]) =>
  Object.entries(item as Record<string, DocumentedOperation>).map(([method, operation]) => ({
    template,
    method: method.toUpperCase(),
    operation,
  })),
);

describe('bad input on every documented operation', () => {
  let stack: TestStack;
  let base: string;
  let tenantId: string;
  let operatorKey: string;
  let gatewayKey: string;
  let uid: string;

  beforeAll(async () => {
    stack = await startTestStack();
    base = await stack.startApi();
    tenantId = stack.uniqueId('corpus');
    await upsertTenant(stack.pool, tenantId, 'Corpus tenant');
    operatorKey = await createApiKey(stack.pool, tenantId, 'corpus-operator', 'operator');
    gatewayKey = await createApiKey(stack.pool, tenantId, 'corpus-gateway', 'device_gateway');
    uid = imeiWithCheckDigit(`35399${Date.now().toString().slice(-9)}`);
    await insertDevices(stack.pool, tenantId, [{ uid, stateId: DeviceState.ACTIVE }]);
  });
  afterAll(async () => stack.close());

  /** The path with real targets (the tenant, a device) where a bad value could act, a batch that does not exist otherwise. */
  function pathOf(template: string, override: Record<string, string> = {}): string {
    return `/v1${template.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (override[name] !== undefined) return override[name]!;
      if (name === 'uid') return uid;
      return template.startsWith('/tenants/') ? tenantId : NOT_A_BATCH;
    })}`;
  }

  function probesOf(template: string, method: string, operation: DocumentedOperation): Probe[] {
    const probes: Probe[] = [];
    const add = (what: string, path: string, body?: string, contentType?: string) =>
      probes.push({ operationId: operation.operationId, what, method, path, body, contentType });
    const path = pathOf(template);
    add('an unknown query parameter', `${path}?zz_unknown=1`);
    add('an unknown query parameter, path with a trailing slash', `${path}/?zz_unknown=1`);
    add('an unknown query parameter, path in capitals', `/v1${path.slice(3).toUpperCase()}?zz_unknown=1`);
    for (const param of (operation.parameters ?? []).filter((p) => p.in === 'path')) {
      add(`path ${param.name} oversized`, pathOf(template, { [param.name]: OVERSIZED }));
      for (const value of WRONG_VALUES)
        add(`path ${param.name}=${value.slice(0, 12)}`, pathOf(template, { [param.name]: encodeURIComponent(value) }));
    }
    for (const param of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
      add(`query ${param.name} given twice`, `${path}?${param.name}=1&${param.name}=2`);
      add(`query ${param.name} as an object`, `${path}?${param.name}[a]=1`);
      add(`query ${param.name} oversized`, `${path}?${param.name}=${OVERSIZED}`);
      // A value the parameter's documented pattern takes (a search prefix such as `NaN`) is not a wrong value for it.
      for (const value of WRONG_VALUES.filter((v) => !documentedPatternTakes(param, v)))
        add(`query ${param.name}=${value.slice(0, 12)}`, `${path}?${param.name}=${encodeURIComponent(value)}`);
    }
    if (method === 'GET') return probes; // fetch sends no body with GET
    add('a JSON body nested 33 levels', path, nested(33), 'application/json');
    add('a JSON body nested 100,000 levels', path, nested(100_000), 'application/json');
    add('a 2 MB JSON body', path, JSON.stringify({ padding: 'x'.repeat(2 * 1024 * 1024) }), 'application/json');
    add('a body that is not JSON', path, '{"unterminated": ', 'application/json');
    const json = operation.requestBody?.content['application/json'];
    if (json) {
      add('an empty JSON object', path, '{}', 'application/json');
      add('a JSON array for an object', path, '[]', 'application/json');
      const example = json.example as Record<string, unknown>;
      const schemaName = json.schema?.$ref?.split('/').pop();
      const schema = (
        schemaName ? openApiDocument.components.schemas[schemaName as keyof typeof openApiDocument.components.schemas] : json.schema
      ) as {
        properties?: Record<string, { type?: string }>;
      };
      for (const [field, fieldSchema] of Object.entries(schema?.properties ?? {})) {
        if (!['string', 'integer', 'number', 'boolean'].includes(fieldSchema.type ?? '')) continue;
        for (const wrong of WRONG_FIELD_VALUES) {
          add(
            `body ${field} as ${JSON.stringify(wrong).slice(0, 12)}`,
            path,
            JSON.stringify({ ...example, [field]: wrong }),
            'application/json',
          );
        }
      }
    }
    return probes;
  }

  it('covers every operation of the document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
  });

  it.each(operations.map(({ template, method, operation }) => [`${method} ${template}`, template, method, operation] as const))(
    '%s answers every bad input with 4xx problem+json',
    async (_name, template, method, operation) => {
      const key = operation.operationId === 'checkIn' ? gatewayKey : operatorKey;
      const answers: { probe: string; status: number; problem: boolean }[] = [];
      for (const probe of probesOf(template, method, operation)) {
        const res = await fetch(`${base}${probe.path}`, {
          method: probe.method,
          headers: { 'X-API-Key': key, ...(probe.contentType ? { 'Content-Type': probe.contentType } : {}) },
          body: probe.body,
        });
        await res.arrayBuffer();
        answers.push({
          probe: probe.what,
          status: res.status,
          problem: /^application\/problem\+json/.test(res.headers.get('content-type') ?? ''),
        });
      }
      const wrong = answers.filter((a) => a.status < 400 || a.status >= 500 || !a.problem);
      expect(wrong).toEqual([]);
      expect(answers.length).toBeGreaterThanOrEqual(3);
    },
  );
});

function documentedPatternTakes(param: { schema?: unknown }, value: string): boolean {
  const pattern = (param.schema as { pattern?: string } | undefined)?.pattern;
  return pattern !== undefined && new RegExp(pattern).test(value);
}
