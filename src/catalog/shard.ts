/**
 * Sharding the catalog over n devices by rendezvous (highest random weight)
 * hashing on `<class>::<tag>`: every device computes, for each network, a
 * weight per shard and keeps the networks where its own shard weighs most.
 * Nothing is shared between devices, no network is run twice or missed, and
 * going from n to n+1 devices moves only the networks the new shard wins —
 * about 1/(n+1) of them — while the others stay where they were.
 */

/** One device's share: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Reads `i/n` (1 <= i <= n), as `--shard` and `[catalog] shard` take it. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !(count >= 1) || !(index >= 1 && index <= count)) {
    throw new RangeError(`shard must be i/n with 1 <= i <= n (like 2/3), got "${text}"`);
  }
  return { index, count };
}

// cyrb53 (public domain, bryc): a fast 53-bit string hash with a seed; good
// enough mixing that the per-shard weights of one key are independent.
function hash53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The shard (1..count) that runs `key`, a `<class>::<tag>`. */
export function shardOf(key: string, count: number): number {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`shard count must be a positive integer, got ${count}`);
  }
  let best = 1;
  let bestWeight = -1;
  for (let index = 1; index <= count; index++) {
    const weight = hash53(key, index);
    // Ties (vanishingly rare) go to the lower index, the same on every device.
    if (weight > bestWeight) {
      best = index;
      bestWeight = weight;
    }
  }
  return best;
}

/** Whether this device's shard runs `key`. */
export function inShard(key: string, shard: Shard): boolean {
  return shardOf(key, shard.count) === shard.index;
}
