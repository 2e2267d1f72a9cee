// The bad-input corpus (test/fixtures/bad-input/ plus generated giants): every case gets a specific
// 4xx application/problem+json answer and leaves no batch row, document or workflow behind.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceState } from '../../src/devices/states';
import { imeiWithCheckDigit, createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion } from '../../dev/inventorySeed';
import { findApplicableWorkingHours } from '../../src/tenants/workingHoursStore';
import { TestStack, startTestStack } from './harness';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'bad-input', name));

interface Case {
  name: string;
  method?: string;
  path: string | ((ctx: Ctx) => string);
  headers?: Record<string, string>;
  body?: Buffer | string | ((ctx: Ctx) => Buffer | string);
  status: number;
  code: string;
  detail?: RegExp;
}

interface Ctx {
  workflowId: string;
  activeUid: string;
  bareUid: string;
  otherTenant: string;
}

const csv = { 'Content-Type': 'text/csv' };
const json = { 'Content-Type': 'application/json' };
const upload = (ctx: Ctx) => `/v1/batches?mode=assign&workflowId=${ctx.workflowId}`;

const cases: Case[] = [
  // CSV files
  {
    name: 'malformed CSV quoting',
    path: upload,
    headers: csv,
    body: fixture('malformed-quoting.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /quote/i,
  },
  {
    // Found while the rows before it are already being COPYed: the transaction is rolled back.
    name: 'a bad quote after 20,000 good rows',
    path: upload,
    headers: csv,
    body: () => 'deviceUid\n' + 'SN-000001\n'.repeat(20_000) + '"SN-000002\n',
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /quote.*line 20002/i,
  },
  {
    name: 'semicolon-delimited file',
    path: upload,
    headers: csv,
    body: fixture('semicolon-delimited.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /;/,
  },
  {
    name: 'binary file',
    path: upload,
    headers: csv,
    body: fixture('binary.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /binary|UTF-8/i,
  },
  {
    name: 'non-UTF-8 (Latin-1) text',
    path: upload,
    headers: csv,
    body: fixture('latin1.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /UTF-8/,
  },
  {
    name: 'UTF-16 text',
    path: upload,
    headers: csv,
    body: fixture('utf16.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /UTF-8|binary/i,
  },
  {
    name: 'header-only file',
    path: upload,
    headers: csv,
    body: fixture('header-only.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /no device rows/,
  },
  { name: 'empty file', path: upload, headers: csv, body: fixture('empty.csv'), status: 400, code: 'VALIDATION_FAILED', detail: /empty/ },
  {
    name: 'blank lines only',
    path: upload,
    headers: csv,
    body: fixture('blank-lines-only.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /empty/,
  },
  {
    name: 'no deviceUid column',
    path: upload,
    headers: csv,
    body: fixture('no-uid-column.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /deviceUid/,
  },
  {
    name: 'JSON sent as CSV',
    path: upload,
    headers: csv,
    body: fixture('json-not-csv.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /not a readable CSV/,
  },
  {
    name: '10 MB single line',
    path: upload,
    headers: csv,
    body: () => 'deviceUid\n' + '4'.repeat(10 * 1024 * 1024),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /line|record/i,
  },
  {
    name: '1,000,001 rows against the 1,000,000-row limit',
    path: upload,
    headers: csv,
    body: () => 'deviceUid\n' + 'SN-000001\n'.repeat(1_000_001),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    detail: /1000000 rows/,
  },
  // upload parameters
  {
    name: 'unknown mode',
    path: (c) => `/v1/batches?mode=destroy&workflowId=${c.workflowId}`,
    headers: csv,
    body: fixture('bom.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /mode must be one of/,
  },
  {
    name: 'unknown upload field',
    path: (c) => `${upload(c)}&dryRun=true`,
    headers: csv,
    body: fixture('bom.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /dryRun/,
  },
  {
    name: 'unknown workflow id',
    path: '/v1/batches?mode=assign&workflowId=0123456789abcdef01234567',
    headers: csv,
    body: fixture('bom.csv'),
    status: 422,
    code: 'WORKFLOW_NOT_FOUND',
  },
  {
    name: 'malformed workflow id',
    path: '/v1/batches?mode=assign&workflowId=../../etc',
    headers: csv,
    body: fixture('bom.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /24-character hex/,
  },
  {
    name: 'missing workflow id',
    path: '/v1/batches?mode=assign',
    headers: csv,
    body: fixture('bom.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /workflowId is required/,
  },
  {
    name: 'bad serviceTypeId',
    path: (c) => `${upload(c)}&serviceTypeId=9`,
    headers: csv,
    body: fixture('bom.csv'),
    status: 422,
    code: 'INVALID_SERVICE_TYPE',
  },
  {
    name: 'bad createMissing',
    path: (c) => `/v1/batches?mode=register&workflowId=${c.workflowId}&createMissing=maybe`,
    headers: csv,
    body: fixture('bom.csv'),
    status: 400,
    code: 'VALIDATION_FAILED',
  },
  {
    name: "another tenant's workspace",
    path: (c) => `${upload(c)}&targetWorkspaceId=${c.otherTenant}`,
    headers: csv,
    body: fixture('bom.csv'),
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'JSON content type for an upload',
    path: upload,
    headers: json,
    body: '{"devices":["490154203237518"]}',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  { name: 'no content type', path: upload, headers: {}, body: 'deviceUid\n490154203237518\n', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  {
    name: 'multipart without a file part',
    path: upload,
    headers: { 'Content-Type': 'multipart/form-data; boundary=XyZ' },
    body: '--XyZ\r\nContent-Disposition: form-data; name="mode"\r\n\r\nassign\r\n--XyZ--\r\n',
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /"file"/,
  },
  // temp-lock requests
  ...[0, -5, 1.5, 1e12, '15', null].map((durationMinutes): Case => ({
    name: `lock duration ${JSON.stringify(durationMinutes)}`,
    method: 'PUT',
    path: (c) => `/v1/devices/${c.activeUid}/temp-lock`,
    headers: json,
    body: JSON.stringify({ durationMinutes }),
    status: 422,
    code: 'VALIDATION_FAILED',
    detail: /durationMinutes/,
  })),
  {
    name: 'unknown temp-lock field',
    method: 'PUT',
    path: (c) => `/v1/devices/${c.activeUid}/temp-lock`,
    headers: json,
    body: '{"durationMinutes":5,"forever":true}',
    status: 422,
    code: 'VALIDATION_FAILED',
    detail: /forever/,
  },
  {
    name: 'malformed JSON',
    method: 'PUT',
    path: (c) => `/v1/devices/${c.activeUid}/temp-lock`,
    headers: json,
    body: '{"durationMinutes": 5',
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /JSON/,
  },
  {
    name: 'temp lock as text/plain',
    method: 'PUT',
    path: (c) => `/v1/devices/${c.activeUid}/temp-lock`,
    headers: { 'Content-Type': 'text/plain' },
    body: 'durationMinutes=5',
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'oversized JSON body',
    method: 'PUT',
    path: (c) => `/v1/devices/${c.activeUid}/temp-lock`,
    headers: json,
    body: () => JSON.stringify({ durationMinutes: 5, notification: { text: 'x'.repeat(2 * 1024 * 1024) } }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'temp lock for a device with no workflow',
    method: 'PUT',
    path: (c) => `/v1/devices/${c.bareUid}/temp-lock`,
    headers: json,
    body: '{"durationMinutes":5}',
    status: 409,
    code: 'DEVICE_HAS_NO_WORKFLOW',
  },
  {
    name: 'temp lock for an unknown device',
    method: 'PUT',
    path: '/v1/devices/SN-NOPE-0000/temp-lock',
    headers: json,
    body: '{"durationMinutes":5}',
    status: 404,
    code: 'DEVICE_NOT_FOUND',
  },
  {
    name: "temp lock in another tenant's workspace",
    method: 'PUT',
    path: (c) => `/v1/devices/${c.activeUid}/temp-lock?tenantId=${c.otherTenant}`,
    headers: json,
    body: '{"durationMinutes":5}',
    status: 404,
    code: 'NOT_FOUND',
  },
  // calendars
  {
    name: 'inverted working-hours window',
    method: 'PUT',
    path: '/v1/tenants/{tenant}/working-hours',
    headers: json,
    body: JSON.stringify({ timeZone: 'Europe/Berlin', windows: [{ day: 'MON', start: '17:00', end: '08:00' }], holidays: [] }),
    status: 422,
    code: 'VALIDATION_FAILED',
    detail: /not after start/,
  },
  {
    name: 'unknown time zone',
    method: 'PUT',
    path: '/v1/tenants/{tenant}/working-hours',
    headers: json,
    body: JSON.stringify({ timeZone: 'Mars/Olympus_Mons', windows: [], holidays: [] }),
    status: 422,
    code: 'VALIDATION_FAILED',
    detail: /Mars\/Olympus_Mons/,
  },
  {
    name: 'a notification nested 200,000 levels deep',
    method: 'PUT',
    path: (c) => `/v1/devices/${c.activeUid}/temp-lock`,
    headers: json,
    body: () => `{"durationMinutes":5,"notification":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
    status: 422,
    code: 'VALIDATION_FAILED',
    detail: /deeper than 32 levels/,
  },
  {
    name: 'a working-hours body nested 33 levels deep',
    method: 'PUT',
    path: '/v1/tenants/{tenant}/working-hours',
    headers: json,
    body: () => '['.repeat(33) + ']'.repeat(33),
    status: 422,
    code: 'VALIDATION_FAILED',
    detail: /32 levels/,
  },
  // read side
  { name: 'batch id that is not a UUID', method: 'GET', path: '/v1/batches/..%2F..%2Fetc', status: 404, code: 'NOT_FOUND' },
  {
    name: 'batch id of 36 dashes',
    method: 'GET',
    path: `/v1/batches/${'-'.repeat(36)}`,
    status: 404,
    code: 'NOT_FOUND',
  },
  {
    name: 'a batch-list cursor whose id is 36 dashes',
    method: 'GET',
    path: `/v1/batches?cursor=${Buffer.from(`1764000000000000.${'-'.repeat(36)}`).toString('base64url')}`,
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /cursor/,
  },
  {
    name: 'a batch-list cursor past year 9999',
    method: 'GET',
    path: `/v1/batches?cursor=${Buffer.from('999999999999999999.00000000-0000-4000-8000-000000000000').toString('base64url')}`,
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /cursor/,
  },
  ...['999999999999999999', '2147483648', '-1', '1e3'].map((cursor): Case => ({
    name: `a devices cursor of ${cursor}`,
    method: 'GET',
    path: `/v1/batches/00000000-0000-4000-8000-000000000000/devices?cursor=${cursor}`,
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /cursor/,
  })),
  // query parameters: checked on the route Express matches, however the path is spelled
  ...['/v1/Batches?bogus=1', '/v1/batches/?bogus=1', '/v1/BATCHES/?bogus=1', '/v1/me/?bogus=1'].map((path): Case => ({
    name: `unknown parameter on ${path}`,
    method: 'GET',
    path,
    status: 400,
    code: 'VALIDATION_FAILED',
    detail: /bogus/,
  })),
  // instants: ISO 8601 with an offset, in range, nothing looser
  ...[
    '0',
    '-271821-04-20T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-12-24T24:00:00Z',
    '2026-12-24T10:00:00',
    '2026-12-24',
    '1764000000000',
  ].flatMap((at): Case[] => [
    {
      name: `next working instant at=${at}`,
      method: 'GET',
      path: `/v1/tenants/{tenant}/working-hours/next-working-instant?at=${encodeURIComponent(at)}`,
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: /ISO 8601/,
    },
    {
      name: `batches createdFrom=${at}`,
      method: 'GET',
      path: `/v1/batches?createdFrom=${encodeURIComponent(at)}`,
      status: 400,
      code: 'VALIDATION_FAILED',
      detail: /createdFrom must be an ISO 8601/,
    },
  ]),
  { name: 'unknown batch id', method: 'GET', path: '/v1/batches/00000000-0000-4000-8000-000000000000', status: 404, code: 'NOT_FOUND' },
];

describe('bad-input corpus', () => {
  let stack: TestStack;
  let base: string;
  let apiKey: string;
  let tenantId: string;
  let ctx: Ctx;

  beforeAll(async () => {
    stack = await startTestStack();
    base = await stack.startApi();
    tenantId = stack.uniqueId('badinput');
    const otherTenant = stack.uniqueId('other');
    await upsertTenant(stack.pool, tenantId, 'Bad-input tenant');
    await upsertTenant(stack.pool, otherTenant, 'Someone else');
    apiKey = await createApiKey(stack.pool, tenantId, 'tester', 'operator');
    const workflowId = await upsertWorkflowVersion(stack.mongo, { name: 'Corpus policy', tenantId, serviceTypeId: 1 });
    const activeUid = imeiWithCheckDigit(`35291${Date.now().toString().slice(-9)}`);
    const bareUid = imeiWithCheckDigit(`35292${Date.now().toString().slice(-9)}`);
    await insertDevices(stack.pool, tenantId, [
      { uid: activeUid, stateId: DeviceState.ACTIVE },
      { uid: bareUid, stateId: DeviceState.ACTIVE },
    ]);
    await stack.mongo.devices.updateOne(
      { tenant_id: tenantId, device_uid: activeUid },
      {
        $set: {
          tenant_id: tenantId,
          device_uid: activeUid,
          is_activating_workflow: false,
          workflow_version_id: workflowId,
          workflow: null,
          updated_at: new Date(),
        },
      },
      { upsert: true },
    );
    ctx = { workflowId, activeUid, bareUid, otherTenant };
  });
  afterAll(async () => stack.close());

  it('has at least 30 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s → specific 4xx problem', async (_name, c) => {
    const path = (typeof c.path === 'function' ? c.path(ctx) : c.path).replace('{tenant}', tenantId);
    const body = typeof c.body === 'function' ? c.body(ctx) : c.body;
    const res = await fetch(`${base}${path}`, { method: c.method ?? 'POST', headers: { 'X-API-Key': apiKey, ...c.headers }, body });
    const answer = (await res.json()) as { code: string; detail: string; status: number };
    expect({ status: res.status, code: answer.code }).toEqual({ status: c.status, code: c.code });
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(answer.status).toBe(c.status);
    expect(answer.detail.length).toBeGreaterThan(10);
    if (c.detail) expect(answer.detail).toMatch(c.detail);
  });

  it('left no batch, row, document or workflow behind', async () => {
    const batches = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action WHERE tenant_id = $1', [tenantId]);
    const rows = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action_device WHERE tenant_id = $1', [tenantId]);
    expect({ batches: batches.rows[0].n, rows: rows.rows[0].n }).toEqual({ batches: 0, rows: 0 });
    expect(await stack.mongo.deviceActions.countDocuments({ tenant_id: tenantId })).toBe(0);
    // The refused calendars stored nothing: no calendar applies to the tenant (it has no parent).
    expect(await findApplicableWorkingHours(stack.pool, tenantId)).toBeNull();
    const workflows = await stack.client.workflow.count(`TenantId = "${tenantId}"`);
    expect(workflows.count).toBe(0);
  });

  it('accepts what spreadsheets write (BOM, mixed line ends) and refuses hostile UIDs row by row', async () => {
    for (const [file, rows] of [
      ['bom.csv', 1],
      ['crlf-lf-mixed.csv', 2],
      ['hostile-uids.csv', 6],
    ] as const) {
      const res = await fetch(`${base}${upload(ctx)}`, { method: 'POST', headers: { 'X-API-Key': apiKey, ...csv }, body: fixture(file) });
      expect({ file, status: res.status }).toEqual({ file, status: 202 });
      const answer = (await res.json()) as { batchId: string; rows: { total: number } };
      expect(answer.rows.total).toBe(rows);
      if (file === 'hostile-uids.csv') {
        const results = await fetch(`${base}/v1/batches/${answer.batchId}/devices?code=INVALID_DEVICE_UID`, {
          headers: { 'X-API-Key': apiKey },
        });
        expect(((await results.json()) as { devices: unknown[] }).devices).toHaveLength(6);
        const exported = await (
          await fetch(`${base}/v1/batches/${answer.batchId}/results.csv`, { headers: { 'X-API-Key': apiKey } })
        ).text();
        // No cell may start with a character a spreadsheet would run as a formula.
        for (const line of exported.trim().split('\n').slice(1)) {
          for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@\t\r]/);
        }
      }
    }
  });
});
