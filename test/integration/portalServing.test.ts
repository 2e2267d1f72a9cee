// The API serves the built portal at / (no-cache index.html with a self-only CSP, immutable hashed
// assets sent precompressed), says so when it is not built, and answers the portal's working-hours preview.
import { createApiKey } from '../../dev/inventorySeed';
import { TestStack, createTenantWithKey, startTestStack } from './harness';
import { buildPortal } from './browserSupport';

describe('the portal served by the API', () => {
  let stack: TestStack;
  let base: string;
  let portalDir: string;

  beforeAll(async () => {
    portalDir = await buildPortal();
    stack = await startTestStack({ PORTAL_DIR: portalDir });
    base = await stack.startApi();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('serves index.html uncached with a CSP that allows only this origin, and hashed assets for a year', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self'/);
    expect(csp).not.toMatch(/unsafe|https?:|data:|\*/);
    const html = await index.text();
    const script = /<script type="module" crossorigin src="(\/assets\/index-[\w-]+\.js)"><\/script>/.exec(html)![1]!;
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const missing = await fetch(`${base}/assets/index-missing.js`);
    expect([missing.status, missing.headers.get('content-type')]).toEqual([404, expect.stringMatching(/problem\+json/)]);
    // The API's own answers keep their strict policy.
    expect((await fetch(`${base}/healthz`)).headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('sends the script brotli- or gzip-compressed as the browser accepts, and plain to one that accepts neither', async () => {
    const html = await (await fetch(`${base}/`)).text();
    const script = /<script type="module" crossorigin src="(\/assets\/index-[\w-]+\.js)"><\/script>/.exec(html)![1]!;
    const plain = await fetch(`${base}${script}`, { headers: { 'Accept-Encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const source = await plain.text();
    for (const [accepted, sent] of [
      ['gzip, deflate, br, zstd', 'br'],
      ['gzip', 'gzip'],
      ['br;q=0, gzip', 'gzip'],
    ]) {
      const res = await fetch(`${base}${script}`, { headers: { 'Accept-Encoding': accepted! } });
      expect([res.status, res.headers.get('content-encoding'), res.headers.get('vary')]).toEqual([200, sent, 'Accept-Encoding']);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(Number(res.headers.get('content-length'))).toBeLessThan(source.length / 2);
      // fetch decodes the body: the same script.
      expect(await res.text()).toBe(source);
    }
  });

  it('names the missing build instead of a blank page', async () => {
    const unbuilt = await startTestStack({ PORTAL_DIR: `${portalDir}-not-built` });
    try {
      const res = await fetch(`${await unbuilt.startApi()}/`);
      const body = (await res.json()) as { code: string; detail: string };
      expect([res.status, body.code]).toEqual([404, 'NOT_FOUND']);
      expect(body.detail).toContain('run npm run build');
    } finally {
      await unbuilt.close();
    }
  });

  it("previews a tenant's next working instant, and lets a gateway key ask only who it is", async () => {
    const { tenantId, apiKey } = await createTenantWithKey(stack);
    const preview = (at: string, key = apiKey) =>
      fetch(`${base}/v1/tenants/${tenantId}/working-hours/next-working-instant?at=${encodeURIComponent(at)}`, {
        headers: { 'X-API-Key': key },
      });
    expect((await preview('2026-12-24T10:00:00Z')).status).toBe(404);
    const put = await fetch(`${base}/v1/tenants/${tenantId}/working-hours`, {
      method: 'PUT',
      headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        timeZone: 'Europe/Berlin',
        windows: [{ day: 'MON', start: '08:00', end: '17:30' }],
        holidays: ['2026-12-28'],
      }),
    });
    expect(put.status).toBe(200);
    const answer = await preview('2026-12-24T10:00:00Z');
    expect(await answer.json()).toEqual({
      tenantId,
      calendarOf: tenantId,
      timeZone: 'Europe/Berlin',
      at: '2026-12-24T10:00:00.000Z',
      atLocal: '2026-12-24 11:00 THU',
      isWorkingInstant: false,
      nextWorkingInstant: '2027-01-04T07:00:00.000Z',
      nextWorkingInstantLocal: '2027-01-04 08:00 MON',
    });
    const inside = (await (await preview('2027-01-04T08:00:00Z')).json()) as { isWorkingInstant: boolean; nextWorkingInstant: string };
    expect(inside).toMatchObject({ isWorkingInstant: true, nextWorkingInstant: '2027-01-04T08:00:00.000Z' });
    const bad = await preview('next tuesday');
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, 'VALIDATION_FAILED']);
    const other = await createTenantWithKey(stack);
    expect((await preview('2026-12-24T10:00:00Z', other.apiKey)).status).toBe(404);

    const gateway = await createApiKey(stack.pool, tenantId, 'gateway', 'device_gateway');
    const me = await fetch(`${base}/v1/me`, { headers: { 'X-API-Key': gateway } });
    expect(await me.json()).toMatchObject({ tenantId, role: 'device_gateway' });
    expect((await preview('2026-12-24T10:00:00Z', gateway)).status).toBe(403);
  });
});
