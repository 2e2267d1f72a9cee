// watchLongLivedResponse: an open response ends once its key is revoked (found by rechecks at a third of the key
// cache's trust period), when the API drains, and when it has been open too long; a failed lookup ends nothing.
import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { LongLivedEnd, keyRecheckIntervalMs, watchLongLivedResponse } from '../../../src/platform/http/longLivedResponse';
import type { ApiDrain } from '../../../src/platform/http/drain';

function watched(settings: { maxOpenMs: number | null; keyCacheTtlMs?: number }) {
  const key = { valid: true, failing: false, rechecks: [] as number[] };
  const req = {
    recheckKey: async (maxAgeMs: number) => {
      key.rechecks.push(maxAgeMs);
      if (key.failing) throw new Error('database down');
      return key.valid;
    },
  } as unknown as Request;
  const res = new EventEmitter() as unknown as Response;
  const drain = { draining: false } as { draining: boolean };
  const ends: { why: LongLivedEnd; at: number }[] = [];
  const stop = watchLongLivedResponse(
    req,
    res,
    { keyCacheTtlMs: settings.keyCacheTtlMs ?? 300, maxOpenMs: settings.maxOpenMs, drain: drain as unknown as ApiDrain },
    (why) => ends.push({ why, at: Date.now() }),
  );
  return { key, res, drain, ends, stop };
}

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('watchLongLivedResponse', () => {
  it('rechecks at a third of the cache TTL and ends once the key is revoked, once', async () => {
    expect([keyRecheckIntervalMs(1000), keyRecheckIntervalMs(0)]).toEqual([333, 100]);
    const { key, ends } = watched({ maxOpenMs: null });
    await until(() => key.rechecks.length >= 2);
    expect(key.rechecks.every((maxAge) => maxAge === 100)).toBe(true);
    expect(ends).toEqual([]);
    key.failing = true; // a failed lookup is no revocation
    const failedAt = key.rechecks.length;
    await until(() => key.rechecks.length >= failedAt + 2);
    expect(ends).toEqual([]);
    key.failing = false;
    key.valid = false;
    const revokedAt = Date.now();
    await until(() => ends.length === 1);
    expect(ends[0]!.why).toBe('revoked');
    expect(ends[0]!.at - revokedAt).toBeLessThanOrEqual(300);
    const rechecks = key.rechecks.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([ends.length, key.rechecks.length]).toEqual([1, rechecks]);
  });

  it('ends when the API drains, and when open longer than allowed', async () => {
    const draining = watched({ maxOpenMs: null });
    draining.drain.draining = true;
    await until(() => draining.ends.length === 1);
    expect(draining.ends[0]!.why).toBe('draining');

    const opened = Date.now();
    const overlong = watched({ maxOpenMs: 400 });
    await until(() => overlong.ends.length === 1);
    expect(overlong.ends[0]!.why).toBe('expired');
    expect(overlong.ends[0]!.at - opened).toBeGreaterThanOrEqual(400);
  });

  it('stops watching when the response closes', async () => {
    const { key, res, ends } = watched({ maxOpenMs: 200 });
    res.emit('close');
    const rechecks = key.rechecks.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect([ends, key.rechecks.length]).toEqual([[], rechecks]);
  });
});
