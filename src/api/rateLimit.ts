// Per-API-key rate limits (token bucket, in memory per API process): 429 with Retry-After when a
// key spends its budget. Device gateways get a larger budget: every device check-in goes through one.
import { RequestHandler } from 'express';
import { ProblemError } from './problem';

export interface RateLimitSettings {
  /** Sustained requests per second for operator and read-only keys. */
  perSecond: number;
  /** Sustained requests per second for device-gateway keys. */
  gatewayPerSecond: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export function rateLimitPerKey(settings: RateLimitSettings, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<string, Bucket>();
  return (req, res, next) => {
    const caller = req.caller;
    if (!caller) return next();
    const rate = caller.role === 'device_gateway' ? settings.gatewayPerSecond : settings.perSecond;
    if (rate <= 0) return next();
    const burst = rate * 2;
    const key = `${caller.tenantId}/${caller.userId}/${caller.role}`;
    const t = now();
    const bucket = buckets.get(key) ?? { tokens: burst, updatedAt: t };
    bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = t;
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rate));
      res.set('Retry-After', String(retryAfter));
      return next(
        new ProblemError(429, 'RATE_LIMITED', `rate limit of ${rate} requests/s for this API key exceeded; retry after ${retryAfter} s`),
      );
    }
    bucket.tokens -= 1;
    next();
  };
}
