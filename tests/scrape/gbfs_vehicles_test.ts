import assert from "node:assert/strict";
import { scrapeGbfs } from "../../src/scrape/mod.ts";
import type { NetworkSpec, Vehicle } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { fixtureJson, type Raw, rawStations } from "./_fixtures.ts";
import { captureLogs } from "./_logs.ts";

const DIVVY = "gbfs-v2.3-divvy-chicago";
const V30 = "gbfs-v3.0-schema-testfixtures";
const V31 = "gbfs-v3.1-RC3-schema-testfixtures";

function spec(tag: string, url: string): NetworkSpec {
  return { class: "gbfs", tag, name: tag, url };
}

async function listed(set: string, file: string, key: string): Promise<Raw[]> {
  return ((await fixtureJson(set, file)).data as Record<string, Raw[]>)[key]!;
}

/** The kind a vehicle type makes, as the issue sorts them (bike, ebike, scooter…). */
function kindOf(types: Raw[], id: unknown): string {
  const type = types.find((t) => t.vehicle_type_id === id)!;
  const electric = ["electric", "electric_assist"].includes(type.propulsion_type as string);
  if (type.form_factor === "bicycle") return electric ? "ebike" : "bike";
  return String(type.form_factor).includes("scooter") ? "scooter" : "other";
}

/** The 3.1 fixture's discovery without its station feeds, with its recorded vehicle_status. */
function freeFloating(discovery: Raw): Raw[] {
  const feeds = (discovery.data as { feeds: Raw[] }).feeds;
  return [
    ...feeds.filter((f) => !String(f.name).startsWith("station_")),
    { name: "vehicle_status", url: "vehicle_status.json" },
  ];
}

function secondsOf(time: unknown): number {
  return typeof time === "number" ? time : Date.parse(String(time)) / 1000;
}

Deno.test("scrapeGbfs() lists Divvy's free_bike_status (2.3) as the network's vehicles", async () => {
  await using server = startFeedServer();
  const network = await scrapeGbfs(spec("divvy", server.url(DIVVY)), testContext());
  const bikes = await listed(DIVVY, "free_bike_status.json", "bikes");
  const types = await listed(DIVVY, "vehicle_types.json", "vehicle_types");
  const feedSeconds = secondsOf((await fixtureJson(DIVVY, "free_bike_status.json")).last_updated);
  const free = bikes.filter((b) => b.lat !== undefined && b.station_id === undefined);
  assert.ok(free.length > 0);
  assert.equal(network.vehicles?.length, free.length);
  for (const raw of free) {
    const vehicle: Vehicle = network.vehicles!.find((item) => item.id === raw.bike_id)!;
    assert.ok(vehicle !== undefined, `vehicle ${raw.bike_id}`);
    assert.equal(vehicle.latitude, raw.lat);
    assert.equal(vehicle.longitude, raw.lon);
    assert.equal(
      vehicle.timestamp,
      new Date(secondsOf(raw.last_reported ?? feedSeconds) * 1000).toISOString(),
    );
    assert.deepEqual(vehicle.extra, {
      uid: raw.bike_id,
      kind: kindOf(types, raw.vehicle_type_id),
      online: !raw.is_disabled,
      reserved: Boolean(raw.is_reserved),
      vehicle_type: raw.vehicle_type_id,
      range_meters: raw.current_range_meters,
    });
  }
});

Deno.test("scrapeGbfs() lists GBFS 3.0 vehicle_status as vehicles, sorted by vehicle_types", async () => {
  await using server = startFeedServer();
  const network = await scrapeGbfs(spec("tier-paris", server.url(V30)), testContext());
  const vehicles = await listed(V30, "vehicle_status.json", "vehicles");
  const types = await listed(V30, "vehicle_types.json", "vehicle_types");
  assert.equal(network.vehicles?.length, vehicles.length);
  for (const raw of vehicles) {
    const vehicle: Vehicle = network.vehicles!.find((item) => item.id === raw.vehicle_id)!;
    assert.equal(vehicle.latitude, raw.lat);
    assert.equal(vehicle.extra.kind, kindOf(types, raw.vehicle_type_id));
    assert.equal(vehicle.extra.online, !raw.is_disabled);
  }
});

Deno.test("scrapeGbfs() leaves out a vehicle docked at a station (3.1: station_id, no position)", async () => {
  // A free-floating 3.1 system: its recorded station files describe other stations.
  const discovery = await fixtureJson(V31, "gbfs.json");
  const feeds = freeFloating(discovery);
  await using server = startFeedServer({
    overrides: { [`${V31}/gbfs.json`]: { json: { ...discovery, data: { feeds } } } },
  });
  const network = await scrapeGbfs(spec("example", server.url(V31)), testContext());
  const vehicles = await listed(V31, "vehicle_status.json", "vehicles");
  const free = vehicles.filter((v) => v.station_id === undefined);
  assert.ok(free.length < vehicles.length, "the fixture has a docked vehicle");
  assert.deepEqual(network.vehicles?.map((v) => v.id), free.map((v) => v.vehicle_id));
  assert.deepEqual(network.stations, []);
  // No station: the vehicles say where the network is.
  assert.equal(network.location.latitude, free[0]!.lat);
});

Deno.test("scrapeGbfs() drops vehicles of a type that is neither bike nor scooter (a car)", async () => {
  const path = `${DIVVY}/vehicle_types.json`;
  const types = await fixtureJson(DIVVY, "vehicle_types.json");
  const list = (types.data as { vehicle_types: Raw[] }).vehicle_types;
  for (const type of list) if (type.vehicle_type_id === "2") type.form_factor = "car";
  await using server = startFeedServer({ overrides: { [path]: { json: types } } });
  const network = await scrapeGbfs(spec("divvy", server.url(DIVVY)), testContext());
  const bikes = await listed(DIVVY, "free_bike_status.json", "bikes");
  const notCars = bikes.filter((b) => b.vehicle_type_id !== "2");
  assert.equal(network.vehicles?.length, notCars.length);
});

Deno.test("scrapeGbfs() leaves vehicles out, with a warning naming the field, when free_bike_status has a wrong type", async () => {
  const path = `${DIVVY}/free_bike_status.json`;
  const document = await fixtureJson(DIVVY, "free_bike_status.json");
  (document.data as { bikes: Raw[] }).bikes[4]!.lat = "north";
  await using server = startFeedServer({ overrides: { [path]: { json: document } } });
  const { result: network, records } = await captureLogs(() =>
    scrapeGbfs(spec("divvy", server.url(DIVVY)), testContext())
  );
  assert.equal(network.vehicles, undefined, "unknown, not an empty list");
  assert.equal(
    network.stations.length,
    rawStations(await fixtureJson(DIVVY, "station_status.json")).length,
  );
  const warning = records.find((r) => r.level === "warning");
  assert.equal(
    warning?.properties.message,
    `feed ${server.origin}/${path}: data.bikes[4].lat must be a number, got "north"`,
  );
});

Deno.test("scrapeGbfs() leaves vehicles out when free_bike_status answers HTTP 404", async () => {
  const path = `${DIVVY}/free_bike_status.json`;
  await using server = startFeedServer({ overrides: { [path]: { status: 404 } } });
  const { result: network, records } = await captureLogs(() =>
    scrapeGbfs(spec("divvy", server.url(DIVVY)), testContext())
  );
  assert.equal(network.vehicles, undefined);
  assert.ok(network.stations.length > 0);
  assert.match(String(records.find((r) => r.level === "warning")?.properties.message), /HTTP 404$/);
});

Deno.test("scrapeGbfs() fails when the vehicle_status of a free-floating system answers HTTP 500", async () => {
  const discovery = await fixtureJson(V31, "gbfs.json");
  await using server = startFeedServer({
    overrides: {
      [`${V31}/gbfs.json`]: { json: { ...discovery, data: { feeds: freeFloating(discovery) } } },
      [`${V31}/vehicle_status.json`]: { status: 500 },
    },
  });
  await rejectsFeed(
    scrapeGbfs(spec("example", server.url(V31)), testContext()),
    `${server.origin}/${V31}/vehicle_status.json`,
    "HTTP 500",
  );
});

Deno.test("scrapeGbfs() fails on a free-floating system with no vehicle at all", async () => {
  const discovery = await fixtureJson(V31, "gbfs.json");
  const feeds = freeFloating(discovery);
  const empty = { ...(await fixtureJson(V31, "vehicle_status.json")), data: { vehicles: [] } };
  await using server = startFeedServer({
    overrides: {
      [`${V31}/gbfs.json`]: { json: { ...discovery, data: { feeds } } },
      [`${V31}/vehicle_status.json`]: { json: empty },
    },
  });
  await rejectsFeed(
    scrapeGbfs(spec("example", server.url(V31)), testContext()),
    server.url(V31),
    "empty network: no stations and no free-floating vehicles",
  );
});

Deno.test("scrapeGbfs() fails when gbfs.json lists neither station feeds nor vehicles", async () => {
  const discovery = { version: "3.0", data: { feeds: [] } };
  await using server = startFeedServer({
    overrides: { [`${V30}/gbfs.json`]: { json: discovery } },
  });
  await rejectsFeed(
    scrapeGbfs(spec("example", server.url(V30)), testContext()),
    server.url(V30),
    "gbfs.json lists no station_information feed",
  );
});
