/**
 * Numbers read from a Float64Array (the status and information columns) as V8
 * best keeps them in an object: a value loaded from a Float64Array is a heap
 * number, and an object field first given one is a double field for good, a
 * 16-byte box allocated at every store, even of 3. Given a small integer
 * first, the field holds Smis (no box). A 2,000-station scrape
 * stored ~6 numbers a station this way: ~190 KB of boxes, all of them kept
 * by the network until the next scrape (and through a scavenge or two).
 */

/** `x` itself (`Object.is`-equal), as a small integer when it is one; -0 and fractions as they are. */
export function smallInt(x: number): number {
  const n = x | 0;
  return n === x && (n !== 0 || !Object.is(x, -0)) ? n : x;
}
