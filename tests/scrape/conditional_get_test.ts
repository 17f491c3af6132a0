import assert from "node:assert/strict";
import {
  FeedCache,
  type FeedCacheOptions,
  HostLimiter,
  type NetworkSpec,
  NotModified,
  scrapeGbfs,
  scrapeNextbike,
} from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { fixtureJson, rawStations } from "./_fixtures.ts";
import { XML_SET } from "./_nextbike_raw.ts";

const DIVVY = "gbfs-v2.3-divvy-chicago";
const STATUS = `${DIVVY}/station_status.json`;
const INFORMATION = `${DIVVY}/station_information.json`;

function divvy(url: string, tag = "divvy"): NetworkSpec {
  return { class: "gbfs", tag, name: "Divvy", url };
}

/** A cache with a clock the test moves. */
function clockedCache(
  options: FeedCacheOptions = {},
): { cache: FeedCache; advance(s: number): void } {
  let now = 1_700_000_000_000;
  const cache = new FeedCache({ ...options, now: () => now });
  return { cache, advance: (s) => now += s * 1000 };
}

Deno.test("a second scrape of an unchanged GBFS feed transfers no body and reports NotModified", async () => {
  await using server = startFeedServer();
  // No freshness at all: every document is asked for again, conditionally.
  const cache = new FeedCache({ maxTtlS: 0, discoveryTtlS: 0 });
  const ctx = testContext({ cache });
  const first = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  assert.equal(
    first.stations.length,
    rawStations(await fixtureJson(DIVVY, "station_status.json")).length,
  );
  const firstRun = server.requests.length;
  assert.ok(
    server.requests.every((r) => r.status === 200 && r.headers.get("if-none-match") === null),
  );

  await assert.rejects(scrapeGbfs(divvy(server.url(DIVVY)), ctx), NotModified);
  const second = server.requests.slice(firstRun);
  assert.equal(second.length, firstRun, "every document asked again");
  for (const request of second) {
    assert.ok(request.headers.get("if-none-match") !== null, request.path);
    assert.equal(request.status, 304, request.path);
    assert.equal(request.bodyBytes, 0, request.path);
  }
});

Deno.test("a GBFS ttl keeps a document from being asked for until it runs out", async () => {
  await using server = startFeedServer();
  const { cache, advance } = clockedCache();
  const ctx = testContext({ cache });
  await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  const firstRun = server.requests.length;
  const ttl = (await fixtureJson(DIVVY, "station_status.json")).ttl as number;

  advance(ttl - 1);
  await assert.rejects(scrapeGbfs(divvy(server.url(DIVVY)), ctx), NotModified);
  assert.equal(server.requests.length, firstRun, "nothing asked within the ttl");

  advance(2);
  await assert.rejects(scrapeGbfs(divvy(server.url(DIVVY)), ctx), NotModified);
  const asked = server.requests.slice(firstRun).map((r) => r.path);
  // The sub-feeds' ttl ran out; gbfs.json is kept for the discovery lifetime (an hour).
  assert.ok(asked.includes(STATUS));
  assert.ok(!asked.includes(`${DIVVY}/gbfs.json`));
  assert.ok(server.requests.slice(firstRun).every((r) => r.status === 304));

  advance(cache.discoveryTtlS);
  await assert.rejects(scrapeGbfs(divvy(server.url(DIVVY)), ctx), NotModified);
  assert.ok(server.requests.slice(firstRun).some((r) => r.path === `${DIVVY}/gbfs.json`));
});

Deno.test("a ttl above the cache's cap is trusted only up to the cap", async () => {
  const status = { ...(await fixtureJson(DIVVY, "station_status.json")), ttl: 86_400 };
  await using server = startFeedServer({ overrides: { [STATUS]: { json: status } } });
  const { cache, advance } = clockedCache({ maxTtlS: 120 });
  const ctx = testContext({ cache });
  await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  const firstRun = server.requests.length;
  advance(121);
  await assert.rejects(scrapeGbfs(divvy(server.url(DIVVY)), ctx), NotModified);
  assert.ok(server.requests.slice(firstRun).some((r) => r.path === STATUS));
});

Deno.test("only station_status changed: the network is rebuilt from the cached information", async () => {
  await using server = startFeedServer();
  const cache = new FeedCache({ maxTtlS: 0 });
  const ctx = testContext({ cache });
  await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  const status = await fixtureJson(DIVVY, "station_status.json");
  const first = rawStations(status)[0]!;
  first.num_bikes_available = (first.num_bikes_available as number) + 1;
  server.overrides[STATUS] = { json: status };
  const firstRun = server.requests.length;

  const network = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  assert.equal(
    network.stations.find((s) => s.id === first.station_id)?.free_bikes,
    first.num_bikes_available,
  );
  const information = server.requests.slice(firstRun).find((r) => r.path === INFORMATION);
  assert.equal(information?.status, 304);
  assert.equal(information?.bodyBytes, 0);
});

Deno.test("a scrape that fails half-way does not count what it read as published", async () => {
  await using server = startFeedServer();
  const cache = new FeedCache({ maxTtlS: 0 });
  const ctx = testContext({ cache });
  await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  // station_information changes while station_status fails…
  const information = await fixtureJson(DIVVY, "station_information.json");
  const renamed = rawStations(information)[0]!;
  renamed.name = "Renamed Station";
  server.overrides[INFORMATION] = { json: information };
  server.overrides[STATUS] = { status: 500 };
  await rejectsFeed(
    scrapeGbfs(divvy(server.url(DIVVY)), ctx),
    `${server.origin}/${STATUS}`,
    "HTTP 500",
  );
  // …then status is back, unchanged, and information answers 304: the rename is still news.
  delete server.overrides[STATUS];
  const network = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  assert.equal(network.stations.find((s) => s.id === renamed.station_id)?.name, "Renamed Station");
});

Deno.test("Last-Modified makes the next request conditional too (If-Modified-Since → 304)", async () => {
  const lastModified = "Wed, 21 Oct 2015 07:28:00 GMT";
  await using server = startFeedServer({ overrides: { [STATUS]: { lastModified } } });
  const cache = new FeedCache({ maxTtlS: 0 });
  const ctx = testContext({ cache });
  await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  await assert.rejects(scrapeGbfs(divvy(server.url(DIVVY)), ctx), NotModified);
  const last = server.requests.filter((r) => r.path === STATUS).at(-1)!;
  assert.equal(last.headers.get("if-modified-since"), lastModified);
  assert.equal(last.status, 304);
});

const DIVVY_FEEDS = [
  "gbfs",
  "station_information",
  "station_status",
  "system_information",
  "vehicle_types",
  "free_bike_status",
];

function withoutValidators(): Record<string, { noValidators: true }> {
  return Object.fromEntries(
    DIVVY_FEEDS.map((name) => [`${DIVVY}/${name}.json`, { noValidators: true }]),
  );
}

Deno.test("a feed without validators nor ttl is fetched whole every time, and always news", async () => {
  await using server = startFeedServer({ overrides: withoutValidators() });
  const cache = new FeedCache({ maxTtlS: 0, discoveryTtlS: 0 });
  const ctx = testContext({ cache });
  const first = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  const firstRun = server.requests.length;
  const again = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  assert.deepEqual(again, first);
  const second = server.requests.slice(firstRun);
  assert.equal(second.length, DIVVY_FEEDS.length);
  assert.ok(second.every((r) => r.status === 200));
});

Deno.test("a body byte-identical to the last one is not read again; a changed one is", async () => {
  await using server = startFeedServer({ overrides: withoutValidators() });
  const cache = new FeedCache({ maxTtlS: 0, discoveryTtlS: 0 });
  const ctx = testContext({ cache });
  const first = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  assert.equal(cache.stats().identical, 0);

  const status = await fixtureJson(DIVVY, "station_status.json");
  const changed = rawStations(status)[0]!;
  changed.num_bikes_available = (changed.num_bikes_available as number) + 1;
  server.overrides[STATUS] = { json: status, noValidators: true };
  const again = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);

  // Every body but station_status' was the one held.
  assert.equal(cache.stats().identical, DIVVY_FEEDS.length - 1);
  const before = first.stations.find((s) => s.id === changed.station_id)!;
  const after = again.stations.find((s) => s.id === changed.station_id)!;
  assert.equal(after.free_bikes, changed.num_bikes_available);
  assert.equal(after.free_bikes, before.free_bikes + 1);
  // station_information was read once: both networks hold the very same rental_uris.
  assert.ok(before.extra.rental_uris !== undefined);
  assert.equal(after.extra.rental_uris, before.extra.rental_uris);
  assert.deepEqual(again.stations.map((s) => s.id), first.stations.map((s) => s.id));
});

Deno.test("a document that changed is held as its body only, and whole again once it repeats", async () => {
  await using server = startFeedServer({ overrides: withoutValidators() });
  const cache = new FeedCache({ maxTtlS: 0, discoveryTtlS: 0 });
  const ctx = testContext({ cache });
  const others = DIVVY_FEEDS.length - 1;
  await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  const status = await fixtureJson(DIVVY, "station_status.json");
  const changed = rawStations(status)[0]!;
  changed.num_bikes_available = (changed.num_bikes_available as number) + 1;
  server.overrides[STATUS] = { json: status, noValidators: true };

  const runs = [];
  for (let run = 0; run < 3; run++) {
    const network = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
    runs.push(network.stations.find((s) => s.id === changed.station_id)!.free_bikes);
    runs.push(cache.stats().identical);
  }
  assert.deepEqual(runs, [
    changed.num_bikes_available,
    others, // the new station_status is read: it changed
    changed.num_bikes_available,
    2 * others, // read again: it had changed, only its body was held
    changed.num_bikes_available,
    3 * others + 1, // the same body twice: kept whole, not read
  ]);
});

Deno.test("a body larger than the cache's whole budget is neither kept nor compared", async () => {
  await using server = startFeedServer({ overrides: withoutValidators() });
  // Smaller than station_status and station_information, larger than the rest.
  const cache = new FeedCache({ maxTtlS: 0, discoveryTtlS: 0, maxBytes: 6000 });
  const ctx = testContext({ cache });
  const first = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  const again = await scrapeGbfs(divvy(server.url(DIVVY)), ctx);
  assert.deepEqual(again, first);
  assert.ok(cache.stats().bytes <= 6000);
  const station = first.stations[0]!;
  // station_information was read again: same values, not the same objects.
  assert.notEqual(again.stations[0]!.extra.rental_uris, station.extra.rental_uris);
  assert.ok(cache.stats().identical < DIVVY_FEEDS.length - 1);
});

Deno.test("two networks on one gbfs.json share the discovery file, and each gets its own news", async () => {
  await using server = startFeedServer();
  const cache = new FeedCache();
  const ctx = testContext({ cache });
  await scrapeGbfs(divvy(server.url(DIVVY), "divvy-a"), ctx);
  // divvy-b has never published: the cached documents are news to it.
  const b = await scrapeGbfs(divvy(server.url(DIVVY), "divvy-b"), ctx);
  assert.ok(b.stations.length > 0);
  assert.equal(server.requests.filter((r) => r.path === `${DIVVY}/gbfs.json`).length, 1);
  await assert.rejects(scrapeGbfs(divvy(server.url(DIVVY), "divvy-a"), ctx), NotModified);
});

Deno.test("a Nextbike city scraped again within the share time reports NotModified without a request", async () => {
  await using server = startFeedServer();
  const url = server.url(XML_SET, "nextbike-live.xml");
  const ctx = testContext({ cache: new FeedCache() });
  const spec: NetworkSpec = { class: "nextbike", tag: "leipzig", name: "", url, "city_uid": 1 };
  await scrapeNextbike(spec, ctx);
  await assert.rejects(scrapeNextbike(spec, ctx), NotModified);
  assert.equal(server.requests.length, 1);
});

Deno.test("a shared request cancelled by its first task is asked again by the second", async () => {
  const path = `${XML_SET}/nextbike-live.xml`;
  await using server = startFeedServer({ overrides: { [path]: { delayMs: 50 } } });
  const url = server.url(XML_SET, "nextbike-live.xml");
  const cache = new FeedCache();
  const first = new AbortController();
  const spec = (tag: string, uid: number): NetworkSpec => ({
    class: "nextbike",
    tag,
    name: "",
    url,
    "city_uid": uid,
  });
  const cancelled = scrapeNextbike(
    spec("leipzig", 1),
    testContext({ cache, signal: first.signal }),
  );
  const alive = scrapeNextbike(spec("wiesbaden", 7), testContext({ cache }));
  // Cancel once the shared request is on its way.
  while (server.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  first.abort();
  await rejectsFeed(cancelled, url, "aborted");
  const network = await alive;
  assert.ok(network.stations.length > 0);
  assert.equal(server.requests.length, 2);
});

Deno.test("HostLimiter keeps at most N requests in flight to one host", async () => {
  const overrides = Object.fromEntries(
    [
      "gbfs",
      "station_information",
      "station_status",
      "system_information",
      "vehicle_types",
      "free_bike_status",
    ]
      .map((name) => [`${DIVVY}/${name}.json`, { delayMs: 5 }]),
  );
  await using server = startFeedServer({ overrides });
  const hosts = new HostLimiter(2);
  const ctx = testContext({ hosts });
  await Promise.all(
    ["a", "b", "c"].map((tag) => scrapeGbfs(divvy(server.url(DIVVY), tag), ctx)),
  );
  assert.equal(server.peakInFlight, 2);
  assert.equal(hosts.inFlight(new URL(server.origin).host), 0, "every permit given back");
});

Deno.test("HostLimiter gives up the wait (and the permit) when the task is cancelled", async () => {
  const hosts = new HostLimiter(1);
  const held = await hosts.acquire("example.org:80", new AbortController().signal);
  const controller = new AbortController();
  const waiting = hosts.acquire("example.org:80", controller.signal);
  controller.abort(new DOMException("stop", "AbortError"));
  await assert.rejects(waiting, { name: "AbortError" });
  held[Symbol.dispose]();
  // The permit the cancelled wait was handed is given back on the next turn.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(hosts.inFlight("example.org:80"), 0);
});

Deno.test("HostLimiter refuses a limit that is not a positive integer", () => {
  assert.throws(() => new HostLimiter(0), RangeError);
  assert.throws(() => new HostLimiter(1.5), RangeError);
});

Deno.test("per-network headers are sent with every request of the network", async () => {
  await using server = startFeedServer();
  await scrapeGbfs(divvy(server.url(DIVVY)), testContext({ headers: { "X-Api-Key": "k-123" } }));
  assert.ok(server.requests.length > 0);
  assert.ok(server.requests.every((r) => r.headers.get("x-api-key") === "k-123"));
});
