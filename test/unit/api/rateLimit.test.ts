import { Request, Response } from 'express';
import { ProblemError } from '../../../src/platform/http/problem';
import { rateLimitPerKey } from '../../../src/platform/http/rateLimit';

function call(limiter: ReturnType<typeof rateLimitPerKey>, role: 'operator' | 'device_gateway') {
  const headers: Record<string, string> = {};
  const req = { caller: { tenantId: 't', userId: 'u', role, tenantTree: ['t'] } } as unknown as Request;
  const res = { set: (k: string, v: string) => (headers[k] = v) } as unknown as Response;
  let outcome: unknown = 'not called';
  limiter(req, res, (err?: unknown) => (outcome = err));
  return { outcome, headers };
}

describe('per-key rate limit', () => {
  it('allows a burst of twice the rate, then answers 429 with Retry-After', () => {
    let clock = 0;
    const limiter = rateLimitPerKey({ perSecond: 5, gatewayPerSecond: 100 }, () => clock);
    for (let i = 0; i < 10; i++) expect(call(limiter, 'operator').outcome).toBeUndefined();
    const refused = call(limiter, 'operator');
    expect(refused.outcome).toBeInstanceOf(ProblemError);
    expect(refused.outcome).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(refused.headers['Retry-After']).toBe('1');
    clock += 1000; // a second later five more are allowed
    for (let i = 0; i < 5; i++) expect(call(limiter, 'operator').outcome).toBeUndefined();
    expect(call(limiter, 'operator').outcome).toMatchObject({ status: 429 });
  });

  it('gives device gateways their own, larger budget', () => {
    const limiter = rateLimitPerKey({ perSecond: 1, gatewayPerSecond: 100 }, () => 0);
    for (let i = 0; i < 200; i++) expect(call(limiter, 'device_gateway').outcome).toBeUndefined();
    expect(call(limiter, 'device_gateway').outcome).toMatchObject({ status: 429 });
  });
});
