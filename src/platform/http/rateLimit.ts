// Rate limits (token buckets, in memory per API process), answered with 429 and Retry-After: per API
// key, where device gateways get a larger budget (every device check-in goes through one), and per
// client address for failed authentications, so guessing keys costs no lookups and no memory.
import { RequestHandler } from 'express';
import { LruMap } from './lruMap';
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

export interface FailedAuthSettings {
  /** Failed authentications an address may make per minute (and at once); 0 turns the limit off. */
  failuresPerMinute: number;
  /**
   * Lookups per second, all throttled addresses together, of keys with the issued shape: a valid key new to this
   * process is served from a throttled address, while a flood of well-shaped guesses costs at most this many
   * indexed lookups a second.
   */
  shapedLookupsPerSecond: number;
  /** Addresses remembered at once; the least recently failing one is forgotten first. */
  addressesTracked: number;
}

/** Counts failed authentications per client address; over budget, the address is throttled. */
export class FailedAuthLimiter {
  private readonly buckets: LruMap<string, Bucket>;
  private readonly shapedLookups: Bucket;

  constructor(
    private readonly settings: FailedAuthSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new LruMap(settings.addressesTracked);
    this.shapedLookups = { tokens: settings.shapedLookupsPerSecond, updatedAt: now() };
  }

  /** Takes one of the lookups allowed to well-shaped keys from throttled addresses; false when none is left this second. */
  takeShapedLookup(): boolean {
    const rate = this.settings.shapedLookupsPerSecond;
    const t = this.now();
    const bucket = this.shapedLookups;
    bucket.tokens = Math.min(rate, bucket.tokens + ((t - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = t;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Seconds until the address may fail again, or null when it is not throttled. */
  retryAfterSeconds(address: string): number | null {
    const bucket = this.refilled(address);
    return bucket && bucket.tokens < 1 ? this.secondsUntilOneToken(bucket) : null;
  }

  /** Counts one failure; returns Retry-After seconds if the address was already over budget, else null. */
  recordFailure(address: string): number | null {
    if (this.settings.failuresPerMinute <= 0) return null;
    const bucket = this.refilled(address) ?? { tokens: this.settings.failuresPerMinute, updatedAt: this.now() };
    this.buckets.set(address, bucket);
    if (bucket.tokens < 1) return this.secondsUntilOneToken(bucket);
    bucket.tokens -= 1;
    return null;
  }

  private refilled(address: string): Bucket | undefined {
    const bucket = this.buckets.get(address);
    if (!bucket) return undefined;
    const t = this.now();
    const perSecond = this.settings.failuresPerMinute / 60;
    bucket.tokens = Math.min(this.settings.failuresPerMinute, bucket.tokens + ((t - bucket.updatedAt) / 1000) * perSecond);
    bucket.updatedAt = t;
    return bucket;
  }

  private secondsUntilOneToken(bucket: Bucket): number {
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / this.settings.failuresPerMinute));
  }
}
