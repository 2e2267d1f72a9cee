// GET /v1/batches: newest first across the caller's tenant tree, filters, cursor pages without
// gaps or repeats, refusal of bad parameters, and the OpenAPI schema of the answer.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { imeiWithCheckDigit, createApiKey, insertDevices, upsertTenant, upsertWorkflowVersion } from '../../dev/inventorySeed';
import { DeviceState } from '../../src/devices/states';
import { TestStack, startServingStack, waitFor } from './harness';
import { componentSchema, schemaMismatches } from './schemaCheck';

describe('GET /v1/batches', () => {
  let stack: TestStack;
  let base: string;
  let stop: () => Promise<void>;
  let root: string;
  let workspace: string;
  let rootKey: string;
  let workspaceKey: string;
  let otherKey: string;
  /** Batch ids of the tree, newest first. */
  const seeded: { id: string; tenantId: string; status: string; mode: string; createdAt: string }[] = [];

  async function get(path: string, key = rootKey) {
    const res = await fetch(`${base}${path}`, { headers: { 'X-API-Key': key } });
    return {
      status: res.status,
      body: (await res.json()) as Record<string, unknown> & { batches: { batchId: string }[]; nextCursor: string | null },
    };
  }

  /** A stored batch with a chosen creation time, status and mode (the listing reads nothing else). */
  async function seedBatch(tenantId: string, createdAt: string, status: string, mode: string) {
    const id = randomUUID();
    await stack.pool.query(
      `INSERT INTO t_batch_action (id, tenant_id, created_by, upload_channel, ext_fields, status, created_at)
       VALUES ($1, $2, 'seed', 'API', $3, $4, $5)`,
      [id, tenantId, JSON.stringify({ mode, rows: { total: 1, accepted: 1, rejected: 0 } }), status, createdAt],
    );
    return { id, tenantId, status, mode, createdAt };
  }

  /** A stored batch of 1,000 rows: `failed` FAILED, `pending` PENDING, the rest SUCCEEDED (CANCELLED for a cancelled one). */
  async function seedBatchWithRows(
    tenantId: string,
    status: string,
    rows: { failed: number; pending: number; storeCounters: boolean },
  ): Promise<string> {
    const id = randomUUID();
    const rest = status === 'CANCELLED' ? 'CANCELLED' : 'SUCCEEDED';
    const byStatus: Record<string, number> = { FAILED: rows.failed, PENDING: rows.pending, [rest]: 1000 - rows.failed - rows.pending };
    const finished = status !== 'RUNNING';
    const counters = finished && rows.storeCounters ? { total: 1000, byStatus, byCode: {} } : {};
    await stack.pool.query(
      `INSERT INTO t_batch_action (id, tenant_id, created_by, upload_channel, ext_fields, status, counters, finished_at)
       VALUES ($1, $2, 'seed', 'API', $3, $4, $5, CASE WHEN $6 THEN now() END)`,
      [id, tenantId, JSON.stringify({ mode: 'assign', rows: { total: 1000, accepted: 1000, rejected: 0 } }), status, counters, finished],
    );
    await stack.pool.query(
      `INSERT INTO t_batch_action_device (batch_action_id, tenant_id, device_uid, row_number, status)
       SELECT $1, $2, 'SN-' || n, n, CASE WHEN n <= $3 THEN 'FAILED' WHEN n <= $3 + $4 THEN 'PENDING' ELSE $5 END
         FROM generate_series(1, 1000) AS n`,
      [id, tenantId, rows.failed, rows.pending, rest],
    );
    return id;
  }

  beforeAll(async () => {
    ({ stack, base, stop } = await startServingStack());
    root = stack.uniqueId('list-root');
    workspace = stack.uniqueId('list-ws');
    const other = stack.uniqueId('list-other');
    await upsertTenant(stack.pool, root, 'List root');
    await upsertTenant(stack.pool, workspace, 'List workspace', root);
    await upsertTenant(stack.pool, other, 'List other');
    rootKey = await createApiKey(stack.pool, root, 'op', 'operator');
    workspaceKey = await createApiKey(stack.pool, workspace, 'ws-op', 'read_only');
    otherKey = await createApiKey(stack.pool, other, 'other-op', 'operator');
    // Two batches share a creation instant: the id breaks the tie, so paging still sees both once.
    const specs: [string, string, string, string][] = [
      [root, '2026-01-01T10:00:00.000001Z', 'COMPLETED', 'assign'],
      [workspace, '2026-01-02T10:00:00Z', 'CANCELLED', 'exit'],
      [root, '2026-01-03T10:00:00Z', 'COMPLETED', 'register'],
      [workspace, '2026-01-03T10:00:00Z', 'COMPLETED', 'assign'],
      [root, '2026-01-04T10:00:00.000002Z', 'RUNNING', 'assign'],
    ];
    for (const [tenantId, at, status, mode] of specs) seeded.push(await seedBatch(tenantId, at, status, mode));
    await seedBatch(other, '2026-01-03T12:00:00Z', 'COMPLETED', 'assign');
    seeded.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
  });
  afterAll(() => stop());

  /** Only the seeded (2026-01) batches: uploads made by other tests of this tenant are created now. */
  const january = 'createdFrom=2026-01-01T00:00:00Z&createdTo=2026-02-01T00:00:00Z';

  it('lists the tree newest first, pages by cursor without gaps or repeats, and matches the OpenAPI schema', async () => {
    const seen: string[] = [];
    let path: string | null = `/v1/batches?${january}&limit=2`;
    let pages = 0;
    while (path) {
      const page = await get(path);
      expect(page.status).toBe(200);
      expect(schemaMismatches(page.body, componentSchema('BatchList'))).toEqual([]);
      expect(page.body.batches.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.batches.map((b) => b.batchId));
      const next = (page.body.links as { next: string | null }).next;
      path = next ? next.slice(next.indexOf('/v1/')) : null;
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(seeded.map((b) => b.id));
  });

  it('filters by status, mode and creation range', async () => {
    const ids = async (query: string) => (await get(`/v1/batches?${january}&${query}`)).body.batches.map((b) => b.batchId);
    expect(await ids('status=RUNNING')).toEqual(seeded.filter((b) => b.status === 'RUNNING').map((b) => b.id));
    expect(await ids('mode=assign')).toEqual(seeded.filter((b) => b.mode === 'assign').map((b) => b.id));
    expect(await ids('status=COMPLETED&mode=assign')).toEqual(
      seeded.filter((b) => b.status === 'COMPLETED' && b.mode === 'assign').map((b) => b.id),
    );
    const range = (await get('/v1/batches?createdFrom=2026-01-02T10:00:00Z&createdTo=2026-01-04T00:00:00Z')).body.batches;
    expect(range.map((b) => b.batchId)).toEqual(
      seeded.filter((b) => b.createdAt >= '2026-01-02T10:00:00Z' && b.createdAt < '2026-01-04').map((b) => b.id),
    );
  });

  it("is scoped to the caller's tenant tree", async () => {
    const fromWorkspace = (await get(`/v1/batches?${january}`, workspaceKey)).body.batches.map((b) => b.batchId);
    expect(fromWorkspace).toEqual(seeded.filter((b) => b.tenantId === workspace).map((b) => b.id));
    const fromOther = (await get(`/v1/batches?${january}`, otherKey)).body.batches.map((b) => b.batchId);
    expect(fromOther).toHaveLength(1);
    expect(seeded.map((b) => b.id)).not.toContain(fromOther[0]);
  });

  it('shows an uploaded batch first, with its links', async () => {
    const workflowId = await upsertWorkflowVersion(stack.mongo, { name: 'List policy', tenantId: root, serviceTypeId: 1 });
    const uid = imeiWithCheckDigit(`356${Date.now().toString().slice(-8)}001`);
    await insertDevices(stack.pool, root, [{ uid, stateId: DeviceState.READY_FOR_USE }]);
    const upload = await fetch(`${base}/v1/batches?mode=assign&workflowId=${workflowId}`, {
      method: 'POST',
      headers: { 'X-API-Key': rootKey, 'Content-Type': 'text/csv' },
      body: `deviceUid\n${uid}\n`,
    });
    expect(upload.status).toBe(202);
    const { batchId } = (await upload.json()) as { batchId: string };
    const first = await waitFor('the upload listed as completed', async () => {
      const page = await get('/v1/batches?limit=1&status=COMPLETED');
      const entry = page.body.batches[0] as { batchId: string; links: { self: string }; rows: { accepted: number } } | undefined;
      return entry?.batchId === batchId ? entry : undefined;
    });
    expect(first.links.self).toMatch(new RegExp(`/v1/batches/${batchId}$`));
    expect(first.rows.accepted).toBe(1);
  });

  it('carries each batch’s rows by status (what its own status counts), read in one query for the page', async () => {
    const tenantId = stack.uniqueId('list-counts');
    await upsertTenant(stack.pool, tenantId, 'List counts');
    const key = await createApiKey(stack.pool, tenantId, 'counts-op', 'read_only');
    // 50 batches of 1,000 rows: finished ones keep their counters, running ones and one cancelled before it ran
    // (no counters stored) are counted from their rows.
    for (let i = 0; i < 50; i++) {
      const status = i % 5 === 0 ? 'RUNNING' : i === 7 ? 'CANCELLED' : 'COMPLETED';
      await seedBatchWithRows(tenantId, status, { failed: i * 3, pending: status === 'RUNNING' ? 400 : 0, storeCounters: i !== 7 });
    }
    const timed = async <T>(work: () => Promise<T>) => {
      const started = performance.now();
      const value = await work();
      return { value, ms: performance.now() - started };
    };
    const list = await timed(() => get('/v1/batches?limit=50', key));
    expect(list.value.status).toBe(200);
    expect(schemaMismatches(list.value.body, componentSchema('BatchList'))).toEqual([]);
    const listed = list.value.body.batches as unknown as {
      batchId: string;
      countersByStatus: Record<string, number>;
      progress: { total: number };
    }[];
    expect(listed).toHaveLength(50);
    // What the portal read before: the list, then every listed batch's own status.
    const each = await timed(() => Promise.all(listed.map((b) => get(`/v1/batches/${b.batchId}`, key))));
    for (const [i, own] of each.value.entries()) {
      const status = own.body as unknown as { countersByStatus: Record<string, number>; progress: { total: number } };
      expect({ id: listed[i]!.batchId, counts: listed[i]!.countersByStatus, total: listed[i]!.progress.total }).toEqual({
        id: listed[i]!.batchId,
        counts: status.countersByStatus,
        total: status.progress.total,
      });
    }
    const cancelled = listed.find((b) => b.countersByStatus.CANCELLED);
    expect(cancelled?.progress.total).toBe(1000);
    console.log(
      `GET /v1/batches?limit=50 (50 batches of 1,000 rows): ${list.ms.toFixed(1)} ms; the 50 GET /v1/batches/:id the portal read after it: ${each.ms.toFixed(1)} ms`,
    );
  });

  it.each([
    ['an unknown parameter', 'tenantId=x', 'unknown query parameter tenantId'],
    ['a bad status', 'status=DONE', 'status must be one of'],
    ['a bad mode', 'mode=lock', 'mode must be one of'],
    ['a date without zone', 'createdFrom=2026-01-01', 'createdFrom must be an ISO 8601'],
    ['an empty range', 'createdFrom=2026-01-02T00:00:00Z&createdTo=2026-01-01T00:00:00Z', 'createdFrom must be earlier'],
    ['a forged cursor', 'cursor=bm90LWEtY3Vyc29y', 'cursor must be a value from nextCursor'],
    ['a limit over the maximum', 'limit=201', 'limit must be an integer from 1 to 200'],
  ])('refuses %s with 400', async (_what, query, detail) => {
    const res = await get(`/v1/batches?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.detail).toContain(detail);
  });
});
