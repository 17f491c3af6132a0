/**
 * The hand-written checks of the GBFS station and vehicle arrays: every wrong
 * field fails the scrape (or, for vehicles beside stations, leaves them out)
 * with the URL, the path of the field and the value.
 */
import assert from "node:assert/strict";
import { type NetworkSpec, scrapeGbfs } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { fixtureJson, type Raw, rawStations } from "./_fixtures.ts";
import { captureLogs } from "./_logs.ts";

const DIVVY = "gbfs-v2.3-divvy-chicago";
const V30 = "gbfs-v3.0-schema-testfixtures";

function spec(url: string): NetworkSpec {
  return { class: "gbfs", tag: "checked", name: "", url };
}

interface BadCase {
  /** What is wrong, for the test name. */
  what: string;
  set?: string;
  file: string;
  /** Spoils a copy of the recorded document. */
  spoil(document: Raw): void;
  reason: string;
}

const station = (document: Raw, index: number) => rawStations(document)[index]!;

const cases: BadCase[] = [
  {
    what: "a status station without station_id",
    file: "station_status.json",
    spoil: (d) => delete station(d, 2).station_id,
    reason: "data.stations[2].station_id is missing",
  },
  {
    what: "an information station_id that is a boolean",
    file: "station_information.json",
    spoil: (d) => station(d, 1).station_id = true,
    reason: "data.stations[1].station_id must be a string or a number, got true",
  },
  {
    what: 'a count sent as the string "NaN"',
    file: "station_status.json",
    spoil: (d) => station(d, 0).num_docks_available = "NaN",
    reason: 'data.stations[0].num_docks_available must be a number, got "NaN"',
  },
  {
    what: "a bike count of null",
    file: "station_status.json",
    spoil: (d) => station(d, 5).num_bikes_available = null,
    reason: "data.stations[5].num_bikes_available must be a number, got null",
  },
  {
    what: "a missing bike count",
    file: "station_status.json",
    spoil: (d) => delete station(d, 6).num_bikes_available,
    reason: "data.stations[6].num_bikes_available is missing",
  },
  {
    what: "a lon of null",
    file: "station_information.json",
    spoil: (d) => station(d, 0).lon = null,
    reason: "data.stations[0].lon must be a number, got null",
  },
  {
    what: "a lat given as a string",
    file: "station_information.json",
    spoil: (d) => station(d, 3).lat = "41.9",
    reason: 'data.stations[3].lat must be a number, got "41.9"',
  },
  {
    what: "a capacity given as a string",
    file: "station_information.json",
    spoil: (d) => station(d, 2).capacity = "15",
    reason: 'data.stations[2].capacity must be a number, got "15"',
  },
  {
    what: "a rental URI that is not a string",
    file: "station_information.json",
    spoil: (d) => (station(d, 0).rental_uris as Raw).ios = 5,
    reason: "data.stations[0].rental_uris.ios must be a string, got 5",
  },
  {
    what: "a station that is not an object",
    file: "station_status.json",
    spoil: (d) => rawStations(d)[4] = "closed" as unknown as Raw,
    reason: 'data.stations[4] must be an object, got "closed"',
  },
  {
    what: "a vehicle_types_available count given as a string",
    file: "station_status.json",
    spoil: (d) => {
      (station(d, 0).vehicle_types_available as Raw[])[1]!.count = "3";
    },
    reason: 'data.stations[0].vehicle_types_available[1].count must be a number, got "3"',
  },
  {
    what: "vehicle_types_available that is not a list",
    file: "station_status.json",
    spoil: (d) => station(d, 1).vehicle_types_available = { "1": 3 },
    reason: 'data.stations[1].vehicle_types_available must be an array, got {"1":3}',
  },
  {
    what: "a last_reported past what a date holds",
    file: "station_status.json",
    spoil: (d) => station(d, 0).last_reported = 1e13,
    reason: "data.stations[0].last_reported must be POSIX seconds, got 10000000000000",
  },
  {
    what: "a document last_updated that is no time",
    file: "station_status.json",
    spoil: (d) => d.last_updated = true,
    reason: "last_updated must be a number or a string, got true",
  },
  {
    what: "a station_information without data",
    file: "station_information.json",
    spoil: (d) => delete d.data,
    reason: "data is missing",
  },
  {
    what: "a station_status whose data has no stations",
    file: "station_status.json",
    spoil: (d) => d.data = {},
    reason: "data.stations is missing",
  },
  {
    what: "a GBFS 3 status without num_vehicles_available (2.x's name is not enough)",
    set: V30,
    file: "station_status.json",
    spoil: (d) => {
      const first = station(d, 0);
      first.num_bikes_available = first.num_vehicles_available;
      delete first.num_vehicles_available;
    },
    reason: "data.stations[0].num_vehicles_available is missing",
  },
  {
    what: "a GBFS 3 localized name whose language is missing",
    set: V30,
    file: "station_information.json",
    spoil: (d) => station(d, 1).name = [{ text: "Main St" }],
    reason: "data.stations[1].name[0].language is missing",
  },
];

for (const bad of cases) {
  Deno.test(`scrapeGbfs() fails naming the field and the value: ${bad.what}`, async () => {
    const set = bad.set ?? DIVVY;
    const path = `${set}/${bad.file}`;
    const document = await fixtureJson(set, bad.file);
    bad.spoil(document);
    await using server = startFeedServer({ overrides: { [path]: { json: document } } });
    await rejectsFeed(
      scrapeGbfs(spec(server.url(set)), testContext()),
      `${server.origin}/${path}`,
      bad.reason,
    );
  });
}

Deno.test("scrapeGbfs() refuses a count of 1e999 (JSON for Infinity) and shows it as Infinity", async () => {
  const path = `${DIVVY}/station_status.json`;
  const text = JSON.stringify(await fixtureJson(DIVVY, "station_status.json"));
  const spoiled = text.replace(/"num_docks_available":\d+/, '"num_docks_available":1e999');
  assert.notEqual(spoiled, text);
  await using server = startFeedServer({ overrides: { [path]: { body: spoiled } } });
  await rejectsFeed(
    scrapeGbfs(spec(server.url(DIVVY)), testContext()),
    `${server.origin}/${path}`,
    "data.stations[0].num_docks_available must be a finite number, got Infinity",
  );
});

Deno.test("scrapeGbfs() checks a status station that information does not list before dropping it", async () => {
  const path = `${DIVVY}/station_status.json`;
  const status = await fixtureJson(DIVVY, "station_status.json");
  const stations = rawStations(status);
  stations.push({ ...stations[0]!, station_id: "nowhere", is_renting: "yes" });
  await using server = startFeedServer({ overrides: { [path]: { json: status } } });
  await rejectsFeed(
    scrapeGbfs(spec(server.url(DIVVY)), testContext()),
    `${server.origin}/${path}`,
    `data.stations[${stations.length - 1}].is_renting must be a boolean or a number, got "yes"`,
  );
});

Deno.test("scrapeGbfs() counts a station listed twice once, in its first place, with its last values", async () => {
  const infoPath = `${DIVVY}/station_information.json`;
  const statusPath = `${DIVVY}/station_status.json`;
  const information = await fixtureJson(DIVVY, "station_information.json");
  const status = await fixtureJson(DIVVY, "station_status.json");
  const infos = rawStations(information);
  const statuses = rawStations(status);
  const firstId = infos[0]!.station_id;
  infos.push({ ...infos[0]!, name: "Renamed" });
  const again = statuses.find((s) => s.station_id === firstId)!;
  statuses.push({ ...again, num_bikes_available: (again.num_bikes_available as number) + 7 });
  await using server = startFeedServer({
    overrides: { [infoPath]: { json: information }, [statusPath]: { json: status } },
  });
  const network = await scrapeGbfs(spec(server.url(DIVVY)), testContext());
  assert.equal(network.stations.length, infos.length - 1);
  assert.equal(network.stations[0]!.id, firstId);
  assert.equal(network.stations[0]!.name, "Renamed");
  assert.equal(network.stations[0]!.free_bikes, (again.num_bikes_available as number) + 7);
  assert.equal(network.stations.filter((s) => s.id === firstId).length, 1);
});

Deno.test("scrapeGbfs() leaves vehicles out, naming the field, when a bike has no bike_id", async () => {
  const path = `${DIVVY}/free_bike_status.json`;
  const document = await fixtureJson(DIVVY, "free_bike_status.json");
  delete (document.data as { bikes: Raw[] }).bikes[0]!.bike_id;
  await using server = startFeedServer({ overrides: { [path]: { json: document } } });
  const { result: network, records } = await captureLogs(() =>
    scrapeGbfs(spec(server.url(DIVVY)), testContext())
  );
  assert.equal(network.vehicles, undefined);
  assert.ok(network.stations.length > 0);
  const warning = records.find((r) => r.level === "warning");
  assert.equal(
    warning?.properties.message,
    `feed ${server.origin}/${path}: data.bikes[0].bike_id is missing`,
  );
});

Deno.test("scrapeGbfs() fails on a free-floating system whose vehicle_status has a wrong field", async () => {
  // GBFS 3 test fixtures: keep only the vehicles feed, so it is all the network has.
  const discoveryPath = `${V30}/gbfs.json`;
  const vehiclesPath = `${V30}/vehicle_status.json`;
  const discovery = await fixtureJson(V30, "gbfs.json");
  const feeds = (discovery.data as { feeds: Raw[] }).feeds;
  (discovery.data as { feeds: Raw[] }).feeds = feeds.filter((f) =>
    !["station_information", "station_status"].includes(f.name as string)
  );
  const vehicles = await fixtureJson(V30, "vehicle_status.json");
  (vehicles.data as { vehicles: Raw[] }).vehicles[0]!.is_reserved = "no";
  await using server = startFeedServer({
    overrides: { [discoveryPath]: { json: discovery }, [vehiclesPath]: { json: vehicles } },
  });
  await rejectsFeed(
    scrapeGbfs(spec(server.url(V30)), testContext()),
    `${server.origin}/${vehiclesPath}`,
    'data.vehicles[0].is_reserved must be a boolean or a number, got "no"',
  );
});

Deno.test("scrapeGbfs() gives each station its own rental_uris when they differ from the one before", async () => {
  const path = `${DIVVY}/station_information.json`;
  const information = await fixtureJson(DIVVY, "station_information.json");
  const infos = rawStations(information);
  infos[1]!.rental_uris = { ...(infos[1]!.rental_uris as Raw), ios: "https://example.org/one" };
  infos[2]!.rental_uris = { web: "https://example.org/two" };
  await using server = startFeedServer({ overrides: { [path]: { json: information } } });
  const network = await scrapeGbfs(spec(server.url(DIVVY)), testContext());
  const uris = network.stations.slice(0, 4).map((s) => s.extra.rental_uris);
  assert.deepEqual(uris, infos.slice(0, 4).map((s) => s.rental_uris));
});
