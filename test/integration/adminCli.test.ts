// `npm run admin` on a clean database: the tenant and key it creates drive an upload end to end, a
// revoked key stops working within a second on every API process, and bad input writes nothing.
import { upsertWorkflowVersion } from '../../dev/inventorySeed';
import { csvOf, freshImei, uploadCsv, waitForBatchEnd } from './batchSupport';
import { apiClient, expectStatus } from './apiClient';
import { AdminRun, runAdmin } from './adminSupport';
import { TestStack, createCleanDatabases, startServingStack, waitFor } from './harness';
import { buildEntryPoints } from './processSupport';

jest.setTimeout(180_000);

describe('admin command on a clean database', () => {
  let databases: Awaited<ReturnType<typeof createCleanDatabases>>;
  let serving: Awaited<ReturnType<typeof startServingStack>> | undefined;
  let stack: TestStack;
  let base: string;
  const admin = (...args: string[]) => runAdmin(args, databases.env);

  beforeAll(async () => {
    await buildEntryPoints();
    databases = await createCleanDatabases('admin');
  });
  afterAll(async () => {
    await serving?.stop();
    await databases.drop();
  });

  it('creates a tenant and a key whose printed value drives an upload to COMPLETED', async () => {
    const tenant = await admin('tenant', 'create', '--name', 'Acme Fleet');
    expect(tenant).toMatchObject({ code: 0, stdout: 'acme-fleet\n' });
    expect(tenant.stderr).toMatch(/applied migrations/);
    const workspace = await admin('tenant', 'create', '--name', 'Acme North', '--parent', 'acme-fleet');
    expect(workspace).toMatchObject({ code: 0, stdout: 'acme-north\n' });
    const issued = await admin('key', 'create', '--tenant', 'acme-fleet', '--role', 'operator', '--name', 'uploader');
    expect(issued.code).toBe(0);
    const apiKey = issued.stdout.trim();
    expect(apiKey).toMatch(/^do_[a-z2-9]{8}_[A-Za-z0-9_-]{32}$/);

    // The API and worker start on the database the admin command created (migrated by it, nothing else).
    serving = await startServingStack(databases.env);
    ({ stack, base } = serving);
    const me = await apiClient(base, apiKey).get('/me');
    expect(me).toMatchObject({ status: 200, body: { tenantId: 'acme-fleet', role: 'operator', tenantTree: ['acme-fleet', 'acme-north'] } });

    // The catalogue has no admin command: its entries come from the catalogue service in production.
    const workflowId = await upsertWorkflowVersion(stack.mongo, { name: 'Fleet policy', tenantId: 'acme-fleet', serviceTypeId: 1 });
    const uids = [freshImei(), freshImei(), freshImei()];
    const upload = await uploadCsv(base, apiKey, csvOf(uids), { mode: 'register', workflowId, createMissing: true });
    const batch = await waitForBatchEnd(base, apiKey, expectStatus(upload, 202).batchId);
    expect(batch).toMatchObject({ status: 'COMPLETED' });

    const listing = await admin('key', 'list');
    expect(listing.code).toBe(0);
    expect(listing.stdout).not.toContain(apiKey.slice(11));
    const [header, row] = listing.stdout.trim().split('\n');
    expect(header).toMatch(/^PREFIX\s+TENANT\s+NAME\s+ROLE\s+CREATED\s+LAST USED$/);
    expect(row).toMatch(new RegExp(`^${apiKey.slice(0, 11)}\\s+acme-fleet\\s+uploader\\s+operator\\s+\\S+Z\\s+\\S+Z$`));
  });

  it('revokes a key: every API process refuses it within a second', async () => {
    const apiKey = (await admin('key', 'create', '--tenant', 'acme-north', '--role', 'read_only', '--name', 'viewer')).stdout.trim();
    const apis = [base, await stack.startApi()]; // two apps, two key caches: like two API processes
    for (const api of apis) expect((await apiClient(api, apiKey).get('/me')).status).toBe(200);

    const revoke = admin('key', 'revoke', apiKey.slice(0, 11));
    const observed = await Promise.all(
      apis.map(async (api) => {
        let lastAccepted = 0;
        const firstRefused = await waitFor(`${api} to refuse the revoked key`, async () => {
          const started = Date.now();
          const { status } = await apiClient(api, apiKey).get('/me');
          if (status === 200) lastAccepted = started;
          return status === 401 && started;
        });
        return { lastAccepted, firstRefused };
      }),
    );
    const revoked = await revoke;
    const revokedAt = Date.now();
    expect(revoked).toMatchObject({ code: 0, stdout: '' });
    expect(revoked.stderr).toMatch(/^revoked do_\w{8} \(read_only, "viewer"\) of tenant acme-north$/m);
    const cacheTtlMs = stack.config.api.authCacheTtlMs;
    expect(cacheTtlMs).toBeLessThanOrEqual(1000);
    // The last request that still got in started before the revocation finished plus the cache TTL.
    for (const { lastAccepted } of observed) expect(lastAccepted).toBeLessThan(revokedAt + cacheTtlMs);
    const { rows } = await stack.pool.query('SELECT revoked_at FROM t_api_key WHERE key_prefix = $1', [apiKey.slice(0, 11)]);
    const committed = (rows[0].revoked_at as Date).getTime();
    console.log(
      `revoked key, per API: first refused ${observed.map((o) => o.firstRefused - committed).join(' / ')} ms after revoked_at ` +
        `(last accepted ${observed.map((o) => o.lastAccepted - committed).join(' / ')} ms)`,
    );
    expect((await admin('key', 'list', '--all')).stdout).toMatch(new RegExp(`${apiKey.slice(0, 11)}.*read_only.*Z\\s+\\S+Z$`, 'm'));
  });

  it('refuses bad input with one line and a non-zero exit, writing nothing', async () => {
    const counts = async () =>
      (await stack.pool.query('SELECT (SELECT count(*) FROM t_tenant)::int AS tenants, (SELECT count(*) FROM t_api_key)::int AS keys'))
        .rows[0];
    const before = await counts();
    const refusals: [string[], RegExp][] = [
      [['key', 'create', '--tenant', 'nobody', '--role', 'operator', '--name', 'x'], /unknown tenant "nobody"/],
      [
        ['key', 'create', '--tenant', 'acme-fleet', '--role', 'admin', '--name', 'x'],
        /unknown role "admin": use one of operator, read_only, device_gateway/,
      ],
      [
        ['key', 'create', '--tenant', 'acme-fleet', '--role', 'operator', '--name', 'uploader'],
        /already has an active key named "uploader"/,
      ],
      [['key', 'create', '--tenant', 'acme-fleet', '--role', 'operator'], /--name is required/],
      [['tenant', 'create', '--name', 'ACME fleet', '--id', 'acme-2'], /a tenant named "Acme Fleet" already exists at the top level/],
      [['tenant', 'create', '--name', 'Elsewhere', '--id', 'acme-north'], /tenant id "acme-north" is already taken/],
      [['tenant', 'create', '--name', 'Orphan', '--parent', 'nobody'], /unknown parent tenant "nobody"/],
      [['tenant', 'create', '--name', 'Bad Id', '--id', 'Bad Id!'], /tenant id "Bad Id!" must be/],
      [['tenant', 'create', '--name', 'X', '--colour', 'red'], /Unknown option '--colour'/],
      [['key', 'revoke', 'do_nothing'], /no active API key has the prefix "do_nothing"/],
      [['key', 'rotate'], /unknown command "key rotate"/],
    ];
    const runs: [string[], AdminRun][] = [];
    for (const [args] of refusals) runs.push([args, await admin(...args)]);
    for (const [i, [args, run]] of runs.entries()) {
      expect([args, run.code, run.stdout]).toEqual([args, 1, '']);
      expect(run.stderr).toMatch(/^admin: [^\n]+\n$/);
      expect(run.stderr).toMatch(refusals[i]![1]);
    }
    expect(await counts()).toEqual(before);
  });
});
