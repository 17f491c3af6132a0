import assert from "node:assert/strict";
import { scrapeGbfs } from "../../src/scrape/mod.ts";
import type { NetworkSpec, Station } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { fixtureJson, type Raw, rawStations } from "./_fixtures.ts";
import { captureLogs } from "./_logs.ts";

const DIVVY = "gbfs-v2.3-divvy-chicago";
const V30 = "gbfs-v3.0-schema-testfixtures";
const V31 = "gbfs-v3.1-RC3-schema-testfixtures";

const CHICAGO = { city: "Chicago, IL", country: "US", latitude: 41.8781, longitude: -87.6298 };

function spec(tag: string, url: string, more: Partial<NetworkSpec> = {}): NetworkSpec {
  return { class: "gbfs", tag, name: "", url, ...more };
}

async function vehicleTypes(set: string): Promise<Raw[]> {
  return ((await fixtureJson(set, "vehicle_types.json")).data as { vehicle_types: Raw[] })
    .vehicle_types;
}

/** Sum of `vehicle_types_available` counts whose type passes `pick`; undefined when no listed type does. */
function countOf(status: Raw, types: Raw[], pick: (type: Raw) => boolean): number | undefined {
  let total: number | undefined;
  for (const available of (status.vehicle_types_available ?? []) as Raw[]) {
    const type = types.find((t) => t.vehicle_type_id === available.vehicle_type_id);
    if (type !== undefined && pick(type)) total = (total ?? 0) + (available.count as number);
  }
  return total;
}

const isEbike = (t: Raw) =>
  t.form_factor === "bicycle" &&
  ["electric", "electric_assist"].includes(t.propulsion_type as string);
const isNormalBike = (t: Raw) => t.form_factor === "bicycle" && t.propulsion_type === "human";
const isScooter = (t: Raw) =>
  String(t.form_factor).includes("scooter") && t.propulsion_type === "electric";

/** The localized text in English, as GBFS 3 spells names. */
function english(text: unknown): string {
  const texts = text as { text: string; language: string }[];
  return (texts.find((t) => t.language === "en") ?? texts[0])!.text;
}

function stationById(stations: Station[], id: unknown): Station {
  const station = stations.find((s) => s.id === id);
  assert.ok(station !== undefined, `station ${id} missing`);
  return station;
}

Deno.test("scrapeGbfs() reads Divvy (GBFS 2.3) station by station", async () => {
  await using server = startFeedServer();
  const network = await scrapeGbfs(
    spec("divvy", server.url(DIVVY), { name: "Divvy", location: CHICAGO, company: ["Lyft, Inc."] }),
    testContext(),
  );
  const info = rawStations(await fixtureJson(DIVVY, "station_information.json"));
  const status = rawStations(await fixtureJson(DIVVY, "station_status.json"));
  const types = await vehicleTypes(DIVVY);

  assert.equal(network.id, "divvy");
  assert.equal(network.tag, "divvy");
  assert.equal(network.name, "Divvy");
  assert.equal(network.href, "/v2/networks/divvy");
  assert.deepEqual(network.location, CHICAGO);
  assert.deepEqual(network.company, ["Lyft, Inc."]);
  assert.equal(network.stations.length, 25);
  // Stations come in station_information's order.
  assert.deepEqual(network.stations.map((s) => s.id), info.map((s) => s.station_id));

  for (const raw of status) {
    const station = stationById(network.stations, raw.station_id);
    const rawInfo = info.find((s) => s.station_id === raw.station_id)!;
    const where = `station ${raw.station_id}`;
    assert.equal(station.name, rawInfo.name, where);
    assert.equal(station.latitude, rawInfo.lat, where);
    assert.equal(station.longitude, rawInfo.lon, where);
    assert.equal(station.free_bikes, raw.num_bikes_available, where);
    assert.equal(station.empty_slots, raw.num_docks_available, where);
    assert.equal(
      station.timestamp,
      new Date((raw.last_reported as number) * 1000).toISOString(),
      where,
    );
    const ebikes = countOf(raw, types, isEbike);
    // Lyft sends both counts: they must agree, and the bikes must be counted once.
    assert.equal(ebikes, raw.num_ebikes_available, where);
    assert.deepEqual(station.extra, {
      uid: raw.station_id,
      renting: Boolean(raw.is_renting),
      returning: Boolean(raw.is_returning),
      installed: Boolean(raw.is_installed),
      last_updated: raw.last_reported,
      virtual: false,
      slots: rawInfo.capacity,
      ...(rawInfo.address === undefined ? {} : { address: rawInfo.address }),
      rental_uris: rawInfo.rental_uris,
      ebikes,
      has_ebikes: true,
      normal_bikes: countOf(raw, types, isNormalBike),
      ...(countOf(raw, types, isScooter) === undefined
        ? {}
        : { scooters: countOf(raw, types, isScooter), has_scooters: true }),
    }, where);
  }
  // Stations that are not installed are kept, and say so.
  assert.ok(network.stations.some((s) => s.extra.installed === false));

  const fetched = server.requests.map((r) => r.path).sort();
  assert.deepEqual(
    fetched,
    [
      "free_bike_status",
      "gbfs",
      "station_information",
      "station_status",
      "system_information",
      "vehicle_types",
    ].map((name) => `${DIVVY}/${name}.json`),
  );
  assert.ok(server.requests.every((r) => r.userAgent === "spoke/0.0.0-test"));
});

Deno.test("scrapeGbfs() reads GBFS 3.0 and joins the 1 station in status with the 23 in information", async () => {
  await using server = startFeedServer();
  const network = await scrapeGbfs(spec("tier-paris", server.url(V30)), testContext());
  const info = rawStations(await fixtureJson(V30, "station_information.json"));
  const status = rawStations(await fixtureJson(V30, "station_status.json"));
  const types = await vehicleTypes(V30);
  const system = (await fixtureJson(V30, "system_information.json")).data as Raw;

  assert.equal(info.length, 23);
  assert.equal(status.length, 1);
  assert.equal(network.stations.length, 1);
  // No name, location nor company in the spec: system_information and the stations tell.
  assert.equal(network.name, english(system.name));
  assert.deepEqual(network.company, []);

  const raw = status[0]!;
  const rawInfo = info.find((s) => s.station_id === raw.station_id)!;
  const station = stationById(network.stations, raw.station_id);
  assert.deepEqual(network.location, {
    city: "",
    country: "",
    latitude: rawInfo.lat,
    longitude: rawInfo.lon,
  });
  const reportedMs = Date.parse(raw.last_reported as string);
  assert.deepEqual(station, {
    id: raw.station_id,
    name: english(rawInfo.name),
    latitude: rawInfo.lat,
    longitude: rawInfo.lon,
    free_bikes: raw.num_vehicles_available,
    empty_slots: null,
    timestamp: new Date(reportedMs).toISOString(),
    extra: {
      uid: raw.station_id,
      renting: raw.is_renting,
      returning: raw.is_returning,
      installed: raw.is_installed,
      last_updated: Math.floor(reportedMs / 1000),
      virtual: rawInfo.is_virtual_station,
      // escooter_paris is not in vehicle_types: only the e-bicycle type is counted.
      ebikes: countOf(raw, types, isEbike),
      has_ebikes: true,
    },
  });
});

Deno.test("scrapeGbfs() refuses the GBFS 3.1-RC3 test fixture as is: no station is in both feeds", async () => {
  await using server = startFeedServer();
  const url = server.url(V31);
  const { records } = await captureLogs(() =>
    rejectsFeed(
      scrapeGbfs(spec("example", url), testContext()),
      url,
      "no stations: station_status lists 2, station_information 1, none in both",
    )
  );
  const dropped = records.find((r) => r.level === "warning" && r.properties.count === 2);
  assert.ok(dropped !== undefined, "the 2 orphaned status stations are logged");
});

Deno.test("scrapeGbfs() reads GBFS 3.1-RC3 when information and status share their stations", async () => {
  // The recorded 3.1-RC3 files describe different stations; the test lends station
  // "pga"'s information to both status stations, and lists the recorded vehicle_types.
  const rawInfoFile = await fixtureJson(V31, "station_information.json");
  const pga = rawStations(rawInfoFile)[0]!;
  const status = rawStations(await fixtureJson(V31, "station_status.json"));
  const infoFile = {
    ...rawInfoFile,
    data: { stations: status.map((s) => ({ ...pga, station_id: s.station_id })) },
  };
  const discovery = await fixtureJson(V31, "gbfs.json");
  const feeds = (discovery.data as { feeds: Raw[] }).feeds;
  const discoveryWithTypes = {
    ...discovery,
    data: { feeds: [...feeds, { name: "vehicle_types", url: "vehicle_types.json" }] },
  };
  await using server = startFeedServer({
    overrides: {
      [`${V31}/gbfs.json`]: { json: discoveryWithTypes },
      [`${V31}/station_information.json`]: { json: infoFile },
    },
  });
  const network = await scrapeGbfs(
    spec("example", server.url(V31), { name: "Example", location: CHICAGO }),
    testContext(),
  );
  const types = await vehicleTypes(V31);
  const system = (await fixtureJson(V31, "system_information.json")).data as Raw;

  assert.equal(network.name, "Example");
  assert.deepEqual(network.company, [english(system.operator)]);
  assert.equal(network.stations.length, status.length);
  for (const raw of status) {
    const station = stationById(network.stations, raw.station_id);
    const where = `station ${raw.station_id}`;
    const reportedMs = Date.parse(raw.last_reported as string);
    assert.equal(station.name, english(pga.name), where);
    assert.equal(station.free_bikes, raw.num_vehicles_available, where);
    assert.equal(station.empty_slots, raw.num_docks_available, where);
    // "+02:00" in the feed, UTC in the network.
    assert.equal(station.timestamp, new Date(reportedMs).toISOString(), where);
    assert.ok(station.timestamp.endsWith("Z"), where);
    assert.equal(station.extra.uid, raw.station_id, where);
    assert.equal(station.extra.last_updated, Math.floor(reportedMs / 1000), where);
    assert.equal(station.extra.normal_bikes, countOf(raw, types, isNormalBike), where);
    assert.equal(station.extra.scooters, countOf(raw, types, isScooter), where);
    assert.equal(station.extra.ebikes, countOf(raw, types, isEbike), where);
  }
});

Deno.test("scrapeGbfs() takes the 'en' feeds of a 2.x gbfs.json even when another language comes first", async () => {
  const discovery = await fixtureJson(DIVVY, "gbfs.json");
  const relative = (prefix: string) => ({
    feeds: ["system_information", "station_information", "station_status"]
      .map((name) => ({ name, url: `${prefix}${name}.json` })),
  });
  await using server = startFeedServer({
    overrides: {
      [`${DIVVY}/gbfs.json`]: {
        json: { ...discovery, data: { fr: relative("fr/"), en: relative("") } },
      },
    },
  });
  const network = await scrapeGbfs(spec("divvy", server.url(DIVVY)), testContext());
  assert.equal(network.stations.length, 25);
  assert.ok(!server.requests.some((r) => r.path.includes("/fr/")));
});

Deno.test("scrapeGbfs() takes the first language of a 2.x gbfs.json that has no 'en'", async () => {
  const discovery = await fixtureJson(DIVVY, "gbfs.json");
  const relative = (prefix: string) => ({
    feeds: ["station_information", "station_status"]
      .map((name) => ({ name, url: `${prefix}${name}.json` })),
  });
  await using server = startFeedServer({
    overrides: {
      [`${DIVVY}/gbfs.json`]: {
        json: { ...discovery, data: { es: relative(""), fr: relative("fr/") } },
      },
    },
  });
  const network = await scrapeGbfs(spec("divvy", server.url(DIVVY)), testContext());
  assert.equal(network.stations.length, 25);
  // Without system_information and a spec name, the tag names the network.
  assert.equal(network.name, "divvy");
  assert.ok(!server.requests.some((r) => r.path.includes("/fr/")));
});
