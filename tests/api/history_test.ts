import assert from "node:assert/strict";
import { createApi } from "../../src/api/mod.ts";
import { SqliteStore } from "../../src/store/mod.ts";
import type { Network } from "../../src/scrape/mod.ts";
import { network, sources, station } from "./_sources.ts";

const T0 = Date.UTC(2025, 0, 29, 9, 0, 0);
const MINUTE = 60_000;

/** Five scrapes of network "x": station s1 changes every minute, s2 never. */
function withHistory() {
  const disk = new SqliteStore(":memory:", { retentionDays: 30 });
  const made = sources();
  let previous: Network | undefined;
  for (let i = 0; i < 5; i++) {
    const now = network("x", [station("s1", i, 10 - i), station("s2", 5, 5)]);
    disk.save("gbfs", "x", now, T0 + i * MINUTE, previous);
    previous = now;
  }
  const app = createApi({ ...made.sources, history: (query) => disk.history(query) });
  return { app, disk, [Symbol.dispose]: () => disk.close() };
}

Deno.test("GET /v2/networks/:tag/history serves the changes, filtered by station and time", async () => {
  using fixture = withHistory();
  const since = new Date(T0 + MINUTE).toISOString();
  const until = (T0 + 3 * MINUTE) / 1000; // seconds since the epoch work too
  const response = await fixture.app.request(
    `/v2/networks/x/history?station=s1&since=${since}&until=${until}`,
  );
  assert.equal(response.status, 200);
  const expected = [1, 2, 3].map((i) => ({
    station: "s1",
    timestamp: new Date(T0 + i * MINUTE).toISOString(),
    free_bikes: i,
    empty_slots: 10 - i,
  }));
  assert.deepEqual(await response.json(), {
    network: { tag: "x", key: "gbfs::x" },
    station: "s1",
    since,
    until: new Date(until * 1000).toISOString(),
    truncated: false,
    history: expected,
  });
});

Deno.test("GET /v2/networks/:tag/history without filters has every change; limit truncates", async () => {
  using fixture = withHistory();
  const all = await (await fixture.app.request("/v2/networks/x/history")).json();
  // s1 changes 5 times, s2 is written once (its first sight).
  assert.equal(all.history.length, 5 + 1);
  const page = await (await fixture.app.request("/v2/networks/x/history?limit=2")).json();
  assert.equal(page.truncated, true);
  assert.deepEqual(page.history, all.history.slice(0, 2));
});

Deno.test("bad history queries are JSON 400s naming the parameter", async () => {
  using fixture = withHistory();
  const cases: Array<[string, RegExp]> = [
    ["since=yesterday", /^since must be an ISO 8601 time/],
    ["until=2025-13-45T99:00:00Z", /^until must be/],
    ["since=-5", /^since must be/],
    ["since=2025-02-01&until=2025-01-01", /is after until/],
    ["station=", /station must not be empty/],
    ["limit=0", /^limit must be an integer/],
    ["limit=abc", /^limit must be an integer/],
    ["limit=1000000", /^limit must be an integer/],
  ];
  for (const [query, message] of cases) {
    const response = await fixture.app.request(`/v2/networks/x/history?${query}`);
    assert.equal(response.status, 400, query);
    assert.match((await response.json()).error, message, query);
  }
});

Deno.test("history of an unknown tag, or with no store, is a JSON 404", async () => {
  using fixture = withHistory();
  let response = await fixture.app.request("/v2/networks/nope/history");
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), { error: 'no network with tag "nope"' });
  response = await createApi(sources().sources).request("/v2/networks/x/history");
  assert.equal(response.status, 404);
  assert.match((await response.json()).error, /history is off/);
});
