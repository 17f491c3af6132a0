import assert from "node:assert/strict";
import { LatestStore } from "../../src/store/mod.ts";
import type { Network } from "../../src/scrape/mod.ts";

const network = (name: string): Network => ({
  id: "x",
  tag: "x",
  name,
  href: "/v2/networks/x",
  location: { city: "C", country: "ES", latitude: 0, longitude: 0 },
  company: [],
  stations: [],
});

Deno.test("LatestStore.fail() keeps the last good snapshot and put() clears the error", () => {
  const store = new LatestStore();
  store.put("gbfs", "x", network("first"), 1000);
  store.fail("gbfs", "x", "feed http://h/gbfs.json: HTTP 500", 2000);
  let state = store.get("gbfs", "x")!;
  assert.equal(state.network?.name, "first");
  assert.equal(state.updatedAt, 1000);
  assert.deepEqual(state.lastError, { message: "feed http://h/gbfs.json: HTTP 500", at: 2000 });
  assert.deepEqual([state.scrapes, state.failures], [2, 1]);
  store.put("gbfs", "x", network("second"), 3000);
  state = store.byTag("x")!;
  assert.equal(state.network?.name, "second");
  assert.equal(state.lastError, undefined);
  assert.equal(store.all().length, 1);
  assert.equal(store.byTag("nope"), undefined);
});

Deno.test("LatestStore.restore() counts no scrape and never replaces a newer snapshot", () => {
  const store = new LatestStore();
  store.restore("gbfs", "x", network("saved"), 1000);
  let state = store.get("gbfs", "x")!;
  assert.deepEqual([state.network?.name, state.updatedAt, state.restored], ["saved", 1000, true]);
  assert.equal(state.scrapes, 0);
  store.put("gbfs", "x", network("fresh"), 2000);
  store.restore("gbfs", "x", network("older"), 1500);
  state = store.get("gbfs", "x")!;
  assert.deepEqual([state.network?.name, state.restored], ["fresh", undefined]);
});

Deno.test("LatestStore.watch() sees every change until it is stopped", () => {
  const store = new LatestStore();
  const seen: string[] = [];
  const stop = store.watch((state) => seen.push(`${state.key}:${state.scrapes}`));
  store.put("gbfs", "x", network("a"), 1, 5);
  store.fail("gbfs", "x", "boom", 2, 7);
  stop();
  store.put("gbfs", "x", network("b"), 3);
  assert.deepEqual(seen, ["gbfs::x:1", "gbfs::x:2"]);
  assert.equal(store.get("gbfs", "x")!.scrapeMsTotal, 12);
});
