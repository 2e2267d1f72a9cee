import { Request, Response } from 'express';
import { createAuthenticator, KeyHolderLookup } from '../../../src/platform/http/auth';
import { FailedAuthLimiter } from '../../../src/platform/http/rateLimit';
import { ProblemError } from '../../../src/platform/http/problem';
import type { KeyHolder } from '../../../src/tenants/apiKeyStore';
import { generateApiKey, hashApiKey, hasIssuedKeyShape } from '../../../src/tenants/apiKeys';

const holder: KeyHolder = { tenantId: 't', userId: 'u', role: 'operator', tenantTree: ['t'] };

/** A key table in memory: the pure logic of the middleware, with lookups counted. */
function keyTable(validKeys: string[]) {
  const valid = new Set(validKeys.map(hashApiKey));
  const table = { lookups: 0, valid };
  const lookup: KeyHolderLookup = async (hash) => {
    table.lookups += 1;
    return valid.has(hash) ? holder : null;
  };
  return { table, lookup };
}

function request(
  auth: ReturnType<typeof createAuthenticator>,
  key: string | undefined,
  ip = '10.0.0.1',
): Promise<{ outcome: unknown; headers: Record<string, string> }> {
  const headers: Record<string, string> = {};
  const req = { ip, socket: {}, get: (name: string) => (name.toLowerCase() === 'x-api-key' ? key : undefined) } as unknown as Request;
  const res = { set: (k: string, v: string) => (headers[k] = v) } as unknown as Response;
  return new Promise((resolve) => auth.middleware(req, res, (err?: unknown) => resolve({ outcome: err, headers })));
}

describe('API-key authentication', () => {
  it('caches valid keys, never unknown ones, and keeps the cache within its size', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `do_valid_${i}`);
    const { table, lookup } = keyTable(keys);
    const auth = createAuthenticator(
      lookup,
      { cacheSize: 5, cacheTtlMs: 1000 },
      new FailedAuthLimiter({ failuresPerMinute: 0, addressesTracked: 10, shapedLookupsPerSecond: 0 }),
    );
    for (const key of keys) expect((await request(auth, key)).outcome).toBeUndefined();
    expect(auth.cachedKeys()).toBe(5);
    for (let i = 0; i < 100; i++)
      expect((await request(auth, `do_random_${i}`)).outcome).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(auth.cachedKeys()).toBe(5);
    const lookupsBefore = table.lookups;
    expect((await request(auth, keys[19])).outcome).toBeUndefined(); // most recent: still cached
    expect(table.lookups).toBe(lookupsBefore);
  });

  it('looks a cached key up again after the TTL, so a revoked key stops working', async () => {
    let clock = 0;
    const { table, lookup } = keyTable(['do_key']);
    const auth = createAuthenticator(
      lookup,
      { cacheSize: 10, cacheTtlMs: 1000 },
      new FailedAuthLimiter({ failuresPerMinute: 0, addressesTracked: 10, shapedLookupsPerSecond: 0 }),
      () => clock,
    );
    expect((await request(auth, 'do_key')).outcome).toBeUndefined();
    table.valid.clear(); // revoked
    clock = 999;
    expect((await request(auth, 'do_key')).outcome).toBeUndefined();
    clock = 1000;
    expect((await request(auth, 'do_key')).outcome).toMatchObject({ status: 401 });
    expect(auth.cachedKeys()).toBe(0);
  });

  it('answers 429 with Retry-After once an address spends its failures, without looking keys up', async () => {
    let clock = 0;
    const { table, lookup } = keyTable(['do_good']);
    const limiter = new FailedAuthLimiter({ failuresPerMinute: 6, addressesTracked: 10, shapedLookupsPerSecond: 0 }, () => clock);
    const auth = createAuthenticator(lookup, { cacheSize: 10, cacheTtlMs: 1000 }, limiter, () => clock);
    for (let i = 0; i < 6; i++) expect((await request(auth, `do_bad_${i}`)).outcome).toMatchObject({ status: 401 });
    const lookups = table.lookups;
    const refused = await request(auth, 'do_bad_x');
    expect(refused.outcome).toBeInstanceOf(ProblemError);
    expect(refused.outcome).toMatchObject({ status: 429, code: 'TOO_MANY_FAILED_AUTHENTICATIONS' });
    expect(refused.headers['Retry-After']).toBe('10'); // 6 per minute: one every 10 s
    expect((await request(auth, undefined)).outcome).toMatchObject({ status: 429 });
    expect(table.lookups).toBe(lookups);
    // Another address is not affected.
    expect((await request(auth, 'do_bad_y', '10.0.0.2')).outcome).toMatchObject({ status: 401 });
    clock += 10_000;
    expect((await request(auth, 'do_bad_z')).outcome).toMatchObject({ status: 401 });
    expect((await request(auth, 'do_bad_z')).outcome).toMatchObject({ status: 429 });
  });

  it('keeps serving a key it has seen valid from a throttled address, and still honours its revocation', async () => {
    let clock = 0;
    const { table, lookup } = keyTable(['do_good']);
    const limiter = new FailedAuthLimiter({ failuresPerMinute: 2, addressesTracked: 10, shapedLookupsPerSecond: 0 }, () => clock);
    const auth = createAuthenticator(lookup, { cacheSize: 10, cacheTtlMs: 1000 }, limiter, () => clock);
    expect((await request(auth, 'do_good')).outcome).toBeUndefined();
    for (let i = 0; i < 3; i++) await request(auth, `do_bad_${i}`);
    expect((await request(auth, 'do_bad_3')).outcome).toMatchObject({ status: 429 });
    clock = 5000; // past the TTL: looked up again despite the throttle
    const lookups = table.lookups;
    expect((await request(auth, 'do_good')).outcome).toBeUndefined();
    expect(table.lookups).toBe(lookups + 1);
    table.valid.clear();
    clock = 7000;
    expect((await request(auth, 'do_good')).outcome).toMatchObject({ status: 429 });
  });

  it('looks up a new key of the issued shape from a throttled address, within a process-wide budget a second', async () => {
    let clock = 0;
    const fresh = generateApiKey();
    const { table, lookup } = keyTable([fresh]);
    const limiter = new FailedAuthLimiter({ failuresPerMinute: 2, addressesTracked: 10, shapedLookupsPerSecond: 3 }, () => clock);
    const auth = createAuthenticator(lookup, { cacheSize: 10, cacheTtlMs: 1000 }, limiter, () => clock);
    for (let i = 0; i < 3; i++) await request(auth, `do_bad_${i}`);
    expect((await request(auth, 'do_bad_3')).outcome).toMatchObject({ status: 429 });
    // A valid key this process has never seen: served, not punished for the address's bad keys.
    expect((await request(auth, fresh)).outcome).toBeUndefined();
    // Well-shaped guesses are looked up too (and refused 429), but only 3 lookups a second in all: the rest are
    // refused without one.
    const lookups = table.lookups;
    const guesses = [];
    for (let i = 0; i < 5; i++) guesses.push((await request(auth, generateApiKey())).outcome);
    expect(guesses.map((g) => (g as ProblemError).status)).toEqual([429, 429, 429, 429, 429]);
    expect(table.lookups).toBe(lookups + 2);
    clock += 1000;
    expect((await request(auth, fresh)).outcome).toBeUndefined(); // cached meanwhile, and the budget refilled anyway
    expect(hasIssuedKeyShape(fresh) && !hasIssuedKeyShape('do_bad_3') && !hasIssuedKeyShape(`${fresh}x`)).toBe(true);
  });

  it('rechecks a key for a long-lived response, sharing the cache, so a revocation reaches it', async () => {
    let clock = 0;
    const { table, lookup } = keyTable(['do_key']);
    const auth = createAuthenticator(
      lookup,
      { cacheSize: 10, cacheTtlMs: 1000 },
      new FailedAuthLimiter({ failuresPerMinute: 0, addressesTracked: 10, shapedLookupsPerSecond: 0 }),
      () => clock,
    );
    const req = { ip: '10.0.0.1', socket: {}, get: (name: string) => (name.toLowerCase() === 'x-api-key' ? 'do_key' : undefined) };
    await new Promise((resolve) => auth.middleware(req as unknown as Request, { set: () => undefined } as unknown as Response, resolve));
    const recheck = (req as unknown as Request).recheckKey!;
    const lookups = table.lookups;
    clock = 200;
    expect(await recheck(333)).toBe(true); // checked 200 ms ago: trusted
    expect(table.lookups).toBe(lookups);
    clock = 400;
    expect(await recheck(333)).toBe(true); // looked up again
    expect(table.lookups).toBe(lookups + 1);
    table.valid.clear();
    clock = 800;
    expect(await recheck(333)).toBe(false);
    expect(auth.cachedKeys()).toBe(0);
  });

  it('shares one lookup among concurrent requests with the same key', async () => {
    const { table, lookup } = keyTable(['do_key']);
    const auth = createAuthenticator(
      lookup,
      { cacheSize: 10, cacheTtlMs: 1000 },
      new FailedAuthLimiter({ failuresPerMinute: 0, addressesTracked: 10, shapedLookupsPerSecond: 0 }),
    );
    const answers = await Promise.all(Array.from({ length: 10 }, () => request(auth, 'do_key')));
    expect(answers.every((a) => a.outcome === undefined)).toBe(true);
    expect(table.lookups).toBe(1);
  });
});

describe('failed-authentication limiter', () => {
  it('remembers a bounded number of addresses', () => {
    const limiter = new FailedAuthLimiter({ failuresPerMinute: 1, addressesTracked: 3, shapedLookupsPerSecond: 0 }, () => 0);
    for (const address of ['a', 'b', 'c', 'd']) expect(limiter.recordFailure(address)).toBeNull();
    expect(limiter.retryAfterSeconds('d')).toBe(60);
    expect(limiter.retryAfterSeconds('a')).toBeNull(); // forgotten, the least recently failing
  });

  it('is off at 0 failures per minute', () => {
    const limiter = new FailedAuthLimiter({ failuresPerMinute: 0, addressesTracked: 3, shapedLookupsPerSecond: 0 }, () => 0);
    for (let i = 0; i < 100; i++) expect(limiter.recordFailure('a')).toBeNull();
    expect(limiter.retryAfterSeconds('a')).toBeNull();
  });
});
