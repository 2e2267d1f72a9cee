// How the portal writes counts, durations and countdowns.
import { formatClock, formatCount, formatDuration } from '../../../portal/src/format';

describe('portal formats', () => {
  it('counts with thousands separators', () => {
    expect([formatCount(0), formatCount(61204), formatCount(100000)]).toEqual(['0', '61,204', '100,000']);
  });

  it('durations in the two largest units', () => {
    expect([formatDuration(400), formatDuration(75_000), formatDuration(3_700_000), formatDuration(Infinity)]).toEqual([
      '0 s',
      '1 min 15 s',
      '1 h 1 min',
      '—',
    ]);
  });

  it('countdowns never show more time than is left', () => {
    expect([formatClock(60_000), formatClock(59_999), formatClock(1_000), formatClock(999), formatClock(-5)]).toEqual([
      '1:00',
      '0:59',
      '0:01',
      '0:00',
      '0:00',
    ]);
    expect(formatClock(3_723_000)).toBe('1:02:03');
  });
});
