import assert from "node:assert/strict";
import {
  builtinNetworks,
  inShard,
  networkKey,
  parseShard,
  shardOf,
} from "../../src/catalog/mod.ts";

// The built-in catalog plus enough made-up networks for the proportions to mean something.
const KEYS = [
  ...builtinNetworks().map(networkKey),
  ...Array.from({ length: 2000 }, (_, i) => `${i % 3 === 0 ? "nextbike" : "gbfs"}::city-${i}`),
];

Deno.test("shardOf() puts every network in exactly one shard, for 1..8 shards", () => {
  for (let count = 1; count <= 8; count++) {
    const sizes = new Array(count).fill(0);
    for (const key of KEYS) {
      const owners = Array.from({ length: count }, (_, i) => i + 1)
        .filter((index) => inShard(key, { index, count }));
      assert.equal(owners.length, 1, `${key} with ${count} shards: owners ${owners}`);
      sizes[owners[0]! - 1]++;
    }
    // No shard is starved or flooded: each holds its share within 25%.
    for (const size of sizes) {
      assert.ok(Math.abs(size - KEYS.length / count) < 0.25 * KEYS.length / count, `${sizes}`);
    }
  }
});

Deno.test("going from n to n+1 shards moves about 1/(n+1) of the networks, all to the new one", () => {
  for (let count = 1; count <= 7; count++) {
    let moved = 0;
    for (const key of KEYS) {
      const before = shardOf(key, count);
      const after = shardOf(key, count + 1);
      if (before !== after) {
        moved++;
        assert.equal(
          after,
          count + 1,
          `${key} moved from ${before} to ${after}, not to the new shard`,
        );
      }
    }
    const expected = KEYS.length / (count + 1);
    assert.ok(Math.abs(moved - expected) < 0.25 * expected, `n=${count}: ${moved} moved`);
  }
});

Deno.test("parseShard() reads i/n and refuses anything else", () => {
  assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
  assert.deepEqual(parseShard(" 1 / 1 "), { index: 1, count: 1 });
  for (const bad of ["0/3", "4/3", "1/0", "a/b", "1", "1/2/3", "", "-1/2", "1.5/3"]) {
    assert.throws(() => parseShard(bad), /shard must be i\/n/, bad);
  }
  assert.throws(() => shardOf("gbfs::x", 0), RangeError);
});
