// When a batch stops: more failures than maxFailures at any time; more than maxFailurePercent only
// once the minimum sample has been processed.
import { FAILURE_PERCENT_MIN_SAMPLE, exceededThreshold, parseFailureThreshold } from '../../../src/batches/failureThreshold';

describe('failure threshold', () => {
  it('has none by default', () => {
    expect(exceededThreshold(null, { processed: 1000, failed: 1000 })).toBeNull();
    expect(parseFailureThreshold({})).toBeNull();
  });

  it('stops once failures exceed maxFailures', () => {
    const t = { maxFailures: 3, maxFailurePercent: null };
    expect(exceededThreshold(t, { processed: 5, failed: 3 })).toBeNull();
    expect(exceededThreshold(t, { processed: 5, failed: 4 })).toEqual({
      threshold: 'maxFailures',
      limit: 3,
      failed: 4,
      processed: 5,
      message: 'stopped: 4 of 5 processed devices failed, more than maxFailures=3',
    });
  });

  it('judges a percentage only from the minimum sample on', () => {
    const t = { maxFailures: null, maxFailurePercent: 10 };
    expect(exceededThreshold(t, { processed: FAILURE_PERCENT_MIN_SAMPLE - 1, failed: 50 })).toBeNull();
    expect(exceededThreshold(t, { processed: FAILURE_PERCENT_MIN_SAMPLE, failed: 10 })).toBeNull();
    expect(exceededThreshold(t, { processed: FAILURE_PERCENT_MIN_SAMPLE, failed: 11 })).toMatchObject({
      threshold: 'maxFailurePercent',
      limit: 10,
    });
  });

  it('parses the upload parameters and names a malformed one', () => {
    expect(parseFailureThreshold({ maxFailures: '25' })).toEqual({ maxFailures: 25, maxFailurePercent: null });
    expect(parseFailureThreshold({ maxFailurePercent: '2.5' })).toEqual({ maxFailures: null, maxFailurePercent: 2.5 });
    expect(parseFailureThreshold({ maxFailures: '-1' })).toMatch(/^maxFailures must be/);
    expect(parseFailureThreshold({ maxFailurePercent: '101' })).toMatch(/^maxFailurePercent must be/);
  });
});
