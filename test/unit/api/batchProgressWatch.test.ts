// The API's do_batch_stalled_seconds: the longest a running batch with devices pending has gone without progress.
import { BatchProgressWatch } from '../../../src/platform/http/metrics';

describe('BatchProgressWatch', () => {
  it('counts from the last change of a batch’s pending devices; a batch first seen or moving is not stalled', () => {
    const watch = new BatchProgressWatch();
    expect(watch.observe(new Map([['a', 10]]), 0)).toBe(0);
    expect(watch.observe(new Map([['a', 10]]), 30_000)).toBe(30);
    // `a` moves, `b` appears: neither is stalled.
    expect(
      watch.observe(
        new Map([
          ['a', 9],
          ['b', 5],
        ]),
        40_000,
      ),
    ).toBe(0);
    expect(
      watch.observe(
        new Map([
          ['a', 9],
          ['b', 4],
        ]),
        100_000,
      ),
    ).toBe(60);
  });

  it('takes the longest stall of all batches; a batch with nothing pending, or no longer running, is not one', () => {
    const watch = new BatchProgressWatch();
    watch.observe(
      new Map([
        ['a', 3],
        ['b', 0],
      ]),
      0,
    );
    expect(
      watch.observe(
        new Map([
          ['a', 3],
          ['b', 0],
        ]),
        120_000,
      ),
    ).toBe(120);
    expect(watch.observe(new Map([['b', 0]]), 180_000)).toBe(0);
    // `a` running again (a retry) counts afresh.
    watch.observe(new Map([['a', 3]]), 200_000);
    expect(watch.observe(new Map([['a', 3]]), 210_000)).toBe(10);
  });
});
