// The rate check of the gateway's recorded command times (bench:gateway and the gateway-rate test).
import { peakInWindow } from '../../../bench/support';

describe('peakInWindow', () => {
  it('counts the most times within any window, wherever it starts', () => {
    expect(peakInWindow([])).toBe(0);
    expect(peakInWindow([5])).toBe(1);
    // 0, 400, 900 share [0, 1000); 1000 starts a window with 400 and 900 too (half-open: 0 drops out).
    expect(peakInWindow([1000, 0, 900, 400, 2500])).toBe(3);
    expect(peakInWindow([0, 999, 1998])).toBe(2);
    expect(peakInWindow([0, 1000, 2000, 3000])).toBe(1);
    expect(peakInWindow([0, 10, 20, 30, 2000], 25)).toBe(3);
  });
});
