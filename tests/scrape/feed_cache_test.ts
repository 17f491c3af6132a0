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
  assert.deepEqual(cache.stats(), { entries: 2, bytes: 80 });
});

Deno.test("FeedCache.put() does not keep a document larger than the whole budget", () => {
  const cache = new FeedCache({ maxBytes: 100 });
  cache.put("a", entry(40));
  cache.put("huge", entry(101));
  assert.equal(cache.get("huge"), undefined);
  assert.deepEqual(cache.stats(), { entries: 1, bytes: 40 });
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
