import assert from "node:assert/strict";
import { scrapeGbfs } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { fixtureJson, type Raw, rawStations } from "./_fixtures.ts";

const VELIB = "gbfs-v1-velib-paris";

/** `num_bikes_available_types` as Vélib' sends it, a list of one-key objects, as one object. */
function typeCounts(status: Raw): Record<string, number> {
  return Object.assign({}, ...(status.num_bikes_available_types as Record<string, number>[]));
}

Deno.test("scrapeGbfs() reads Vélib' (pre-standard GBFS 1.x) station by station", async () => {
  await using server = startFeedServer();
  const network = await scrapeGbfs(
    { class: "gbfs", tag: "velib", name: "", url: server.url(VELIB) },
    testContext(),
  );
  const info = rawStations(await fixtureJson(VELIB, "station_information.json"));
  const status = rawStations(await fixtureJson(VELIB, "station_status.json"));
  const system = (await fixtureJson(VELIB, "system_information.json")).data as Raw;
  const discovery = await fixtureJson(VELIB, "gbfs.json");
  assert.equal(discovery.version, undefined, "the fixture has no version");

  assert.equal(network.name, system.name);
  const joined = status.filter((s) => info.some((i) => i.station_id === s.station_id));
  assert.equal(network.stations.length, joined.length);
  assert.equal(network.vehicles, undefined, "Vélib' lists no free_bike_status");
  for (const raw of joined) {
    const id = String(raw.station_id);
    const rawInfo = info.find((i) => i.station_id === raw.station_id)!;
    const station = network.stations.find((s) => s.id === id);
    assert.ok(station !== undefined, `station ${id} missing`);
    const types = typeCounts(raw);
    assert.equal(station.name, rawInfo.name, id);
    assert.equal(station.latitude, rawInfo.lat, id);
    assert.equal(station.longitude, rawInfo.lon, id);
    assert.equal(station.free_bikes, raw.num_bikes_available, id);
    // The camelCase duplicates agree with the snake_case fields Spoke reads.
    assert.equal(station.free_bikes, raw.numBikesAvailable, id);
    assert.equal(station.empty_slots, raw.num_docks_available, id);
    assert.equal(
      station.timestamp,
      new Date((raw.last_reported as number) * 1000).toISOString(),
      id,
    );
    assert.equal(station.extra.ebikes, types.ebike, id);
    assert.equal(station.extra.normal_bikes, types.mechanical, id);
    // One bike is either mechanical or electric: never counted twice.
    assert.equal(types.ebike! + types.mechanical!, raw.num_bikes_available, id);
    assert.equal(station.extra.installed, raw.is_installed === 1, id);
    assert.equal(station.extra.renting, raw.is_renting === 1, id);
    assert.equal(station.extra.slots, rawInfo.capacity, id);
  }
  const notInstalled = status.filter((s) => s.is_installed === 0).map((s) => String(s.station_id));
  assert.ok(notInstalled.length > 0, "the fixture has stations not installed");
  for (const id of notInstalled) {
    assert.equal(network.stations.find((s) => s.id === id)?.extra.installed, false, id);
  }
});

Deno.test("scrapeGbfs() reads num_bikes_available_types as an object too", async () => {
  const path = `${VELIB}/station_status.json`;
  const document = await fixtureJson(VELIB, "station_status.json");
  for (const station of rawStations(document)) {
    station.num_bikes_available_types = typeCounts(station);
  }
  await using server = startFeedServer({ overrides: { [path]: { json: document } } });
  const network = await scrapeGbfs(
    { class: "gbfs", tag: "velib", name: "Vélib'", url: server.url(VELIB) },
    testContext(),
  );
  for (const raw of rawStations(document)) {
    const station = network.stations.find((s) => s.id === String(raw.station_id))!;
    const types = raw.num_bikes_available_types as Record<string, number>;
    assert.equal(station.extra.ebikes, types.ebike);
    assert.equal(station.extra.normal_bikes, types.mechanical);
  }
});

Deno.test("scrapeGbfs() uses a 1.x station_status' lastUpdatedOther when a station has no last_reported", async () => {
  const path = `${VELIB}/station_status.json`;
  const document = await fixtureJson(VELIB, "station_status.json");
  const first = rawStations(document)[0]!;
  delete first.last_reported;
  await using server = startFeedServer({ overrides: { [path]: { json: document } } });
  const network = await scrapeGbfs(
    { class: "gbfs", tag: "velib", name: "Vélib'", url: server.url(VELIB) },
    testContext(),
  );
  const station = network.stations.find((s) => s.id === String(first.station_id))!;
  assert.equal(
    station.timestamp,
    new Date((document.lastUpdatedOther as number) * 1000).toISOString(),
  );
});

Deno.test("scrapeGbfs() names a num_bikes_available_types count that is not a number", async () => {
  const path = `${VELIB}/station_status.json`;
  const document = await fixtureJson(VELIB, "station_status.json");
  rawStations(document)[1]!.num_bikes_available_types = [{ mechanical: "two" }];
  await using server = startFeedServer({ overrides: { [path]: { json: document } } });
  await rejectsFeed(
    scrapeGbfs({ class: "gbfs", tag: "velib", name: "", url: server.url(VELIB) }, testContext()),
    `${server.origin}/${path}`,
    /^data\.stations\[1\]\.num_bikes_available_types/,
  );
});
