/**
 * station_information's ids as ASCII bytes, one after the other, beside the
 * strings the index keeps (`_gbfs_information.ts`): station_status' ids are
 * bytes (`_gbfs_status_ids.ts`), and the join tells one against an
 * information id by comparing bytes with bytes; `charCodeAt` on the
 * information's strings (cut from a decoded text) was 3 – 4 % of a static
 * scrape.
 */

/**
 * The ids of an index's slots as bytes: slot `i`'s are `bytes[from[i] ..
 * to[i]]`, or `from[i]` -1 for an id that is not ASCII (compared as a
 * string). Slots are added in order, so the bytes are too.
 */
export class FlatIds {
  bytes: Uint8Array;
  used = 0;
  readonly from: Int32Array;
  readonly to: Int32Array;

  constructor(most: number) {
    this.from = new Int32Array(most);
    this.to = new Int32Array(most);
    // Room for ids of 24 bytes (a UUID and a suffix grows it once): grown
    // from a small buffer by doubling, it was 127 KB of copies a 2,000-station body.
    this.bytes = new Uint8Array(Math.max(64, most * 24));
  }

  /** The next slot's id: its bytes from `source` (its span given), or from its string. */
  add(id: string, source: Uint8Array | undefined, from: number, to: number): void {
    const slot = this.#slots++;
    const length = source !== undefined && from >= 0 ? to - from : id.length;
    if (this.used + length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.used + length));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    const bytes = this.bytes;
    const start = this.used;
    if (source !== undefined && from >= 0) {
      for (let b = from; b < to; b++) bytes[start + b - from] = source[b]!;
    } else {
      for (let i = 0; i < length; i++) {
        const c = id.charCodeAt(i);
        if (c >= 0x80) {
          this.from[slot] = -1;
          this.to[slot] = -1;
          return;
        }
        bytes[start + i] = c;
      }
    }
    this.from[slot] = start;
    this.to[slot] = start + length;
    this.used = start + length;
  }

  #slots = 0;

  /** Slot `slot`'s id is ASCII and the bytes `from` to `to` of `other` (`sameId`'s answer). */
  same(slot: number, other: Uint8Array, from: number, to: number): boolean {
    const start = this.from[slot]!;
    // Not ASCII: never the same here, as sameId says; the caller compares strings.
    if (start < 0) return false;
    const length = this.to[slot]! - start;
    if (length !== to - from) return false;
    const bytes = this.bytes;
    for (let i = 0; i < length; i++) if (bytes[start + i] !== other[from + i]) return false;
    return true;
  }
}
