// Which device UIDs an upload has already seen, to mark later rows DUPLICATE_IN_FILE before anything
// is stored. An IMEI (15 digits) is kept as a number in an open-addressing table of doubles, 8 bytes
// a slot, so a million-row file costs ~16 MB and no strings are retained; serial numbers (rarer)
// go into a Set.
const IMEI = /^\d{15}$/;

export class SeenDeviceUids {
  /** IMEI + 1 per slot; 0 marks an empty slot (IMEI 000000000000000 is valid). */
  private slots: Float64Array;
  private imeis = 0;
  private readonly serials = new Set<string>();

  /** `expected`: how many UIDs may come, if known (sized for them at once instead of growing). */
  constructor(expected = 0) {
    let size = 1 << 14;
    while (size < expected * 2) size *= 2;
    this.slots = new Float64Array(size);
  }

  /** Records `uid`; true if it was seen before. */
  seenBefore(uid: string): boolean {
    if (!IMEI.test(uid)) {
      if (this.serials.has(uid)) return true;
      this.serials.add(uid);
      return false;
    }
    const key = Number(uid) + 1;
    if (this.find(key) !== -1) return true;
    if ((this.imeis + 1) * 2 > this.slots.length) this.grow();
    this.slots[this.emptySlotFor(key, this.slots)] = key;
    this.imeis += 1;
    return false;
  }

  private find(key: number): number {
    const mask = this.slots.length - 1;
    for (let i = slotOf(key, mask); ; i = (i + 1) & mask) {
      const held = this.slots[i]!;
      if (held === key) return i;
      if (held === 0) return -1;
    }
  }

  private emptySlotFor(key: number, slots: Float64Array): number {
    const mask = slots.length - 1;
    let i = slotOf(key, mask);
    while (slots[i] !== 0) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const bigger = new Float64Array(this.slots.length * 2);
    for (const key of this.slots) if (key !== 0) bigger[this.emptySlotFor(key, bigger)] = key;
    this.slots = bigger;
  }
}

/** Mixes both halves of the number (up to 10^15 + 1, exact in a double) into a slot index. */
function slotOf(key: number, mask: number): number {
  const low = (key % 0x1_0000_0000) | 0;
  const high = Math.floor(key / 0x1_0000_0000) | 0;
  return (Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0) & mask;
}
