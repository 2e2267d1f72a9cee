// SeenDeviceUids: exact duplicate detection for IMEIs (as numbers) and serial numbers, across growth.
import { SeenDeviceUids } from '../../../src/batches/seenUids';
import { imeiWithCheckDigit } from '../../../dev/inventorySeed';

describe('SeenDeviceUids', () => {
  it('tells a repeated IMEI or serial from a new one, through many resizes', () => {
    const seen = new SeenDeviceUids();
    const imeis = Array.from({ length: 50_000 }, (_, i) => imeiWithCheckDigit(`35${String(i * 7919).padStart(12, '0')}`));
    expect(imeis.map((uid) => seen.seenBefore(uid)).filter(Boolean)).toHaveLength(0);
    expect(imeis.every((uid) => seen.seenBefore(uid))).toBe(true);
    expect(seen.seenBefore('SN-ABC123')).toBe(false);
    expect(seen.seenBefore('SN-ABC123')).toBe(true);
    expect(seen.seenBefore('sn-abc123')).toBe(false);
  });

  it('keeps IMEIs that differ only in leading zeros or by one apart, and the all-zero IMEI', () => {
    const seen = new SeenDeviceUids();
    for (const uid of ['000000000000000', '000000000000018', '100000000000009', '999999999999994']) {
      expect(seen.seenBefore(uid)).toBe(false);
      expect(seen.seenBefore(uid)).toBe(true);
    }
  });

  it('works the same when sized for the expected count at once, and beyond it', () => {
    const seen = new SeenDeviceUids(1000);
    const imeis = Array.from({ length: 5000 }, (_, i) => imeiWithCheckDigit(`35${String(i * 104_729).padStart(12, '0')}`));
    expect(imeis.filter((uid) => seen.seenBefore(uid))).toEqual([]);
    expect(imeis.every((uid) => seen.seenBefore(uid))).toBe(true);
  });
});
