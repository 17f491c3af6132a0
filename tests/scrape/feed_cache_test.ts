import assert from "node:assert/strict";
import { FeedCache } from "../../src/scrape/mod.ts";

const entry = (bytes: number) => ({ document: { bytes }, etag: '"x"', freshUntil: 0, bytes });

Deno.test("FeedCache.put() evicts the least recently used entries past its byte budget", () => {
  const cache = new FeedCache({ maxBytes: 100 });
  cache.put("a", entry(40));
  cache.put("b", entry(40));
  cache.get("a"); // a is now the most recent
  cache.put("c", entry(40));
  assert.equal(cache.get("b"), undefined);
  assert.ok(cache.get("a") !== undefined);
  assert.ok(cache.get("c") !== undefined);
  assert.deepEqual(cache.stats(), { entries: 2, bytes: 80, identical: 0 });
});

Deno.test("FeedCache.put() does not keep a document larger than the whole budget", () => {
  const cache = new FeedCache({ maxBytes: 100 });
  cache.put("a", entry(40));
  cache.put("huge", entry(101));
  assert.equal(cache.get("huge"), undefined);
  assert.deepEqual(cache.stats(), { entries: 1, bytes: 40, identical: 0 });
});

Deno.test("FeedCache versions: a new 200 is news to every consumer until each marks it seen", () => {
  const cache = new FeedCache();
  const first = cache.put("u", entry(1));
  assert.equal(cache.isNewTo(first, "gbfs::a"), true);
  cache.markSeen(first, "gbfs::a");
  assert.equal(cache.isNewTo(first, "gbfs::a"), false);
  assert.equal(cache.isNewTo(first, "gbfs::b"), true);
  const second = cache.put("u", entry(1));
  assert.equal(second.version, first.version + 1);
  assert.equal(cache.isNewTo(second, "gbfs::a"), true);
  assert.equal(cache.isNewTo(second, undefined), true);
});

Deno.test("FeedCache.shared() runs one fetch per key at a time and forgets it once settled", async () => {
  const cache = new FeedCache();
  let runs = 0;
  const fetch = async () => {
    runs++;
    await Promise.resolve();
    return runs;
  };
  const [a, b] = await Promise.all([cache.shared("k", fetch), cache.shared("k", fetch)]);
  assert.equal(a, 1);
  assert.equal(b, 1);
  assert.equal(await cache.shared("k", fetch), 2);
  await assert.rejects(cache.shared("bad", () => Promise.reject(new Error("boom"))), /boom/);
  assert.equal(await cache.shared("bad", () => Promise.resolve("ok")), "ok");
});

Deno.test("FeedCache holds at most maxBytes however the sizes and the uses fall", () => {
  const maxBytes = 1000;
  const cache = new FeedCache({ maxBytes });
  // A fixed, uneven walk over 50 keys: sizes from 0 to the whole budget, every third put re-reads.
  const sizes = Array.from({ length: 400 }, (_, i) => (i * 137) % (maxBytes + 1));
  const held = new Map<string, number>();
  sizes.forEach((bytes, i) => {
    const key = `k${(i * 7) % 50}`;
    cache.put(key, entry(bytes));
    if (i % 3 === 0) cache.get(`k${i % 50}`);
    const { entries, bytes: total } = cache.stats();
    assert.ok(total <= maxBytes, `after put ${i}: ${total} bytes held`);
    held.clear();
    for (let k = 0; k < 50; k++) {
      const found = cache.get(`k${k}`);
      if (found !== undefined) held.set(`k${k}`, found.bytes);
    }
    assert.equal(held.size, entries);
    assert.equal([...held.values()].reduce((sum, b) => sum + b, 0), total);
  });
});

Deno.test("FeedCache.put() replacing a key keeps its old size out of the budget", () => {
  const cache = new FeedCache({ maxBytes: 100 });
  for (let i = 0; i < 1000; i++) cache.put("same", entry(60));
  assert.deepEqual(cache.stats(), { entries: 1, bytes: 60, identical: 0 });
  cache.put("same", entry(101));
  assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, identical: 0 });
});

Deno.test("FeedCache.put() refuses a size that is not one, and keeps what it held", () => {
  const cache = new FeedCache({ maxBytes: 100 });
  cache.put("a", entry(40));
  for (const bytes of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(
      () => cache.put("a", entry(bytes)),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes(`got ${bytes}`) &&
        error.message.includes("FeedCache.put(a)"),
    );
  }
  assert.deepEqual(cache.stats(), { entries: 1, bytes: 40, identical: 0 });
  assert.equal(cache.get("a")?.version, 1);
});

Deno.test("new FeedCache() refuses limits out of range, naming the limit and the value", () => {
  const bad: Array<[string, Record<string, number>]> = [
    ["maxBytes", { maxBytes: 0 }],
    ["maxBytes", { maxBytes: Number.NaN }],
    ["maxBytes", { maxBytes: Number.POSITIVE_INFINITY }],
    ["maxTtlS", { maxTtlS: -1 }],
    ["discoveryTtlS", { discoveryTtlS: Number.NaN }],
  ];
  for (const [name, options] of bad) {
    assert.throws(
      () => new FeedCache(options),
      (error: unknown) =>
        error instanceof RangeError && error.message.includes(name) &&
        error.message.includes(`got ${Object.values(options)[0]}`),
    );
  }
  assert.equal(new FeedCache({ maxTtlS: 0, discoveryTtlS: 0 }).maxTtlS, 0);
});

Deno.test("FeedCache: a new version starts with no consumer recorded, an old one's marks stay there", () => {
  const cache = new FeedCache();
  const first = cache.put("u", entry(1));
  cache.markSeen(first, "gbfs::a");
  const second = cache.put("u", entry(1));
  assert.equal(second.seen.size, 0);
  // A task that read the first version and finishes late marks that version, not the new one.
  cache.markSeen(first, "gbfs::b");
  assert.equal(cache.isNewTo(second, "gbfs::b"), true);
  assert.equal(cache.isNewTo(first, "gbfs::b"), false);
});
