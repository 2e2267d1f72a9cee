// Failed authentications from one address: 429 with Retry-After once the address spends its budget, while keys
// the API has seen valid, and new keys of the issued shape, keep working from the same address (issue 27: one bad
// client behind a NAT must not lock out everyone else's new keys).
import { createApiKey } from '../../dev/inventorySeed';
import { createTenantWithKey, TestStack, startTestStack } from './harness';

describe('failed authentications per client address', () => {
  let stack: TestStack;
  let base: string;

  beforeAll(async () => {
    stack = await startTestStack({ AUTH_FAILURES_PER_MINUTE: '5' });
    base = await stack.startApi();
  });
  afterAll(async () => stack.close());

  const me = (apiKey?: string) => fetch(`${base}/v1/me`, { headers: apiKey ? { 'X-API-Key': apiKey } : {} });

  it('answers 429 problem+json with Retry-After after 5 failures, and still serves a key it knows', async () => {
    const known = await createTenantWithKey(stack);
    const unseen = await createTenantWithKey(stack);
    expect((await me(known.apiKey)).status).toBe(200);

    // 5 per minute: the budget refills one failure every 12 s, far longer than these requests take.
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await me(`do_guess${i}_${'x'.repeat(32)}`)).status);
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(20).fill(429)]);

    const refused = await me('do_another_guess');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 12).toBe(true);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'TOO_MANY_FAILED_AUTHENTICATIONS' });
    expect((await me()).status).toBe(429);

    // Others' failures do not lock out a caller whose key this API has already seen valid ...
    expect((await me(known.apiKey)).status).toBe(200);
    // ... nor a freshly issued key it has never seen: a key of the issued shape is looked up first ...
    expect((await me(unseen.apiKey)).status).toBe(200);
    // ... while well-shaped guesses are still refused 429, and a valid key of another shape (a hand-made demo key)
    // waits out the throttle like any other malformed key.
    expect((await me(`do_abcdefgh_${'A'.repeat(32)}`)).status).toBe(429);
    const handMade = await createApiKey(stack.pool, unseen.tenantId, 'hand-made', 'read_only', `do_handmade_${Date.now()}`);
    expect((await me(handMade)).status).toBe(429);
  });
});
