// POST /v1/batches refusals and variants: every refused upload answers a clear 4xx and stores
// nothing; multipart uploads, the imei/imei2 header and a target workspace are accepted.
import { upsertTenant } from '../../dev/inventorySeed';
import { TestStack, startServingStack } from './harness';
import { BatchTenant, UploadQuery, batchTenant, csvOf, freshImei, seedDevices, uploadCsv, waitForBatchEnd } from './batchSupport';
import { apiClient, expectStatus } from './apiClient';

/** Parameters the document does not allow, sent on purpose to see them refused. */
const outsideTheDocument = (query: Record<string, string>) => query as unknown as UploadQuery;

jest.setTimeout(120_000);
describe('BatchAssign upload', () => {
  let stack: TestStack;
  let stop: () => Promise<void>;
  let base: string;
  let tenant: BatchTenant;

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack());
    tenant = await batchTenant(stack);
  });
  afterAll(async () => stop());

  it('refuses bad uploads with a clear 4xx and stores nothing', async () => {
    const assign = { mode: 'assign', workflowId: tenant.workflowId } as const;
    const good = csvOf([freshImei(), freshImei(), freshImei(), freshImei()]);
    const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
      [
        'wrong content type',
        uploadCsv(base, tenant.apiKey, '{"a":1}', assign, { 'Content-Type': 'application/json' }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      ['missing header', uploadCsv(base, tenant.apiKey, `${freshImei()}\n${freshImei()}\n`, assign), 400, 'VALIDATION_FAILED'],
      ['empty file', uploadCsv(base, tenant.apiKey, '', assign), 400, 'VALIDATION_FAILED'],
      ['header only', uploadCsv(base, tenant.apiKey, 'deviceUid\n', assign), 400, 'VALIDATION_FAILED'],
      ['not a CSV', uploadCsv(base, tenant.apiKey, 'deviceUid\n"unterminated\u0000\u0001', assign), 400, 'VALIDATION_FAILED'],
      ['bad mode', uploadCsv(base, tenant.apiKey, good, outsideTheDocument({ mode: 'delete' })), 400, 'VALIDATION_FAILED'],
      ['no workflow', uploadCsv(base, tenant.apiKey, good, { mode: 'assign' }), 400, 'VALIDATION_FAILED'],
      [
        'unknown workflow',
        uploadCsv(base, tenant.apiKey, good, { mode: 'assign', workflowId: 'aaaaaaaaaaaaaaaaaaaaaaaa' }),
        422,
        'WORKFLOW_NOT_FOUND',
      ],
      ['service type mismatch', uploadCsv(base, tenant.apiKey, good, { ...assign, serviceTypeId: 3 }), 422, 'INVALID_SERVICE_TYPE'],
      [
        'workspace outside the tree',
        uploadCsv(base, tenant.apiKey, good, { ...assign, targetWorkspaceId: 'someone-else' }),
        404,
        'NOT_FOUND',
      ],
      [
        'createMissing outside register',
        uploadCsv(base, tenant.apiKey, good, { ...assign, createMissing: true }),
        400,
        'VALIDATION_FAILED',
      ],
    ];
    for (const [what, answer, status, code] of cases) {
      const { status: got, body } = await answer;
      expect([what, got, body.code]).toEqual([what, status, code]);
      expect(body.detail).toEqual(expect.any(String));
    }
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action WHERE tenant_id = $1', [tenant.tenantId]);
    expect(rows[0].n).toBe(0);
  });

  it('refuses a file over the row or byte limit with 413 and stores nothing', async () => {
    const limits = { ...stack.config.upload };
    try {
      stack.config.upload.maxRows = 3;
      const rows = await uploadCsv(base, tenant.apiKey, csvOf([freshImei(), freshImei(), freshImei(), freshImei()]), { mode: 'exit' });
      expect(expectStatus(rows, 413).code).toBe('PAYLOAD_TOO_LARGE');
      stack.config.upload.maxRows = limits.maxRows;
      stack.config.upload.maxBytes = 2048;
      const big = csvOf(Array.from({ length: 400 }, () => freshImei()));
      const bytes = await uploadCsv(base, tenant.apiKey, big, { mode: 'exit' });
      expect(expectStatus(bytes, 413).code).toBe('PAYLOAD_TOO_LARGE');
    } finally {
      Object.assign(stack.config.upload, limits);
    }
    const { rows } = await stack.pool.query('SELECT count(*)::int AS n FROM t_batch_action WHERE tenant_id = $1', [tenant.tenantId]);
    expect(rows[0].n).toBe(0);
  });

  it('accepts a multipart upload with an imei/imei2 header into a workspace of the tree', async () => {
    // A fresh root tenant: API keys cache their tenant tree, so the workspace must exist before the first call.
    const root = await batchTenant(stack);
    const workspace = stack.uniqueId('workspace');
    await upsertTenant(stack.pool, workspace, 'Workspace', root.tenantId);
    const uids = await seedDevices(stack, workspace, 2);
    const form = new FormData();
    form.append('mode', 'assign');
    form.append('workflowId', root.workflowId);
    form.append('targetWorkspaceId', workspace);
    form.append('file', new Blob([`IMEI,imei2\r\n${uids[0]},${freshImei()}\r\n${uids[1]},\r\n`], { type: 'text/csv' }), 'devices.csv');
    const body = expectStatus(await apiClient(base, root.apiKey).post('/batches', { body: form }), 202);
    expect(body.rows).toEqual({ total: 2, accepted: 2, rejected: 0 });
    const done = await waitForBatchEnd(base, root.apiKey, body.batchId);
    expect(done).toMatchObject({ status: 'COMPLETED', targetWorkspaceId: workspace, countersByCode: { OK: 2 } });
    const imei2 = await stack.pool.query(
      `SELECT ext_fields->>'imei2' AS imei2 FROM t_batch_action_device WHERE batch_action_id = $1 ORDER BY row_number`,
      [body.batchId],
    );
    expect(imei2.rows.map((r) => r.imei2 !== null)).toEqual([true, false]);
    expect(await stack.mongo.devices.countDocuments({ tenant_id: workspace, workflow_version_id: root.workflowId })).toBe(2);
  });
});
