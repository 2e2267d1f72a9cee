// How many live streams may be open at once: per API key and per API process. Beyond either, the request is
// refused with 429 and Retry-After before it reads anything, so no key can hold the connection pool or the
// event loop for every tenant.
import type { Response } from 'express';
import type { Caller } from './auth';
import type { ApiMetrics } from './metrics';
import { ProblemError } from './problem';

export interface LiveStreamLimitSettings {
  perKey: number;
  perProcess: number;
}

/** Seconds a refused client should wait: streams end when their batch ends, so a short wait is worth a try. */
const RETRY_AFTER_S = 10;

export class LiveStreamLimits {
  private readonly openPerKey = new Map<string, number>();
  private open = 0;

  constructor(
    private readonly settings: LiveStreamLimitSettings,
    private readonly metrics: ApiMetrics,
  ) {}

  /** Counts the response as an open stream until it closes, or throws 429 when a limit is reached. */
  admit(caller: Caller, res: Response): void {
    const key = `${caller.tenantId}/${caller.userId}/${caller.role}`;
    const ofKey = this.openPerKey.get(key) ?? 0;
    if (ofKey >= this.settings.perKey) {
      this.metrics.liveStreamsRefused.inc({ limit: 'per_key' });
      throw tooManyStreams(res, `this API key already has ${ofKey} live streams open, its limit; close one, or poll GET /v1/batches/{id}`);
    }
    if (this.open >= this.settings.perProcess) {
      this.metrics.liveStreamsRefused.inc({ limit: 'per_process' });
      throw tooManyStreams(
        res,
        `this API instance has ${this.open} live streams open, its limit; poll GET /v1/batches/{id}, or retry later`,
      );
    }
    this.openPerKey.set(key, ofKey + 1);
    this.open += 1;
    this.metrics.liveProgressClients.inc();
    res.once('close', () => {
      const left = (this.openPerKey.get(key) ?? 1) - 1;
      if (left > 0) this.openPerKey.set(key, left);
      else this.openPerKey.delete(key);
      this.open -= 1;
      this.metrics.liveProgressClients.dec();
    });
  }
}

function tooManyStreams(res: Response, detail: string): ProblemError {
  res.set('Retry-After', String(RETRY_AFTER_S));
  return new ProblemError(429, 'TOO_MANY_STREAMS', `${detail} (retry after ${RETRY_AFTER_S} s)`);
}
