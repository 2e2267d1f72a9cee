// How the portal writes counts, durations and countdowns.
import { formatClock, formatCount, formatDuration, isoToZonedWallTime, zonedWallTimeToIso } from '../../../portal/src/format';

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

describe('wall times in a zone (the bulk page’s start time)', () => {
  it('reads a datetime-local value in the zone, to the second, across DST', () => {
    expect(zonedWallTimeToIso('2026-12-07T09:30', 'Europe/Berlin')).toBe('2026-12-07T08:30:00.000Z');
    expect(zonedWallTimeToIso('2026-07-07T09:30:15', 'Europe/Berlin')).toBe('2026-07-07T07:30:15.000Z');
    expect(zonedWallTimeToIso('2026-12-07T09:30', 'UTC')).toBe('2026-12-07T09:30:00.000Z');
    expect(zonedWallTimeToIso('2026-03-29T01:59:59', 'Europe/Berlin')).toBe('2026-03-29T00:59:59.000Z');
    expect(zonedWallTimeToIso('2026-03-29T03:00', 'Europe/Berlin')).toBe('2026-03-29T01:00:00.000Z');
    expect(zonedWallTimeToIso('2026-10-25T12:00', 'America/New_York')).toBe('2026-10-25T16:00:00.000Z');
    expect(zonedWallTimeToIso('next monday', 'UTC')).toBeNull();
  });

  it('writes an instant back as the zone’s wall time', () => {
    expect(isoToZonedWallTime('2026-12-07T08:30:00.000Z', 'Europe/Berlin')).toBe('2026-12-07T09:30:00');
    expect(isoToZonedWallTime('2026-07-07T07:30:15.000Z', 'Europe/Berlin')).toBe('2026-07-07T09:30:15');
    expect(isoToZonedWallTime('2026-12-07T08:30:00.000Z', 'UTC')).toBe('2026-12-07T08:30:00');
  });
});
