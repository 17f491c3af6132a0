/**
 * A station's `extra` has pybikes' keys in pybikes' order (what the published
 * JSON shows) whatever optional station_information fields the station has:
 * the join builds it by one literal for the common sets of fields and field by
 * field for the rest, and all of them must read the same.
 */
import assert from "node:assert/strict";
import { joinStations, vehicleKind } from "../../src/scrape/_gbfs_station.ts";
import { readInformation } from "../../src/scrape/_gbfs_information.ts";
import { readStatus } from "../../src/scrape/_gbfs_status.ts";
import type { VehicleType } from "../../src/scrape/_gbfs_schemas.ts";
import { fixtureJson, type Raw, rawStations } from "./_fixtures.ts";

const SETS = [
  ["gbfs-v1-velib-paris", 1],
  ["gbfs-v2.3-divvy-chicago", 2],
  ["gbfs-v3.0-schema-testfixtures", 3],
  ["gbfs-v3.1-RC3-schema-testfixtures", 3],
] as const;
const FEED_SECONDS = 1_738_144_058;
const COUNT_KEYS = [
  "normal_bikes",
  "ebikes",
  "has_ebikes",
  "cargo",
  "has_cargo",
  "ecargo",
  "has_ecargo",
  "scooters",
  "has_scooters",
];

/** The station_information fields of `extra`, from the raw station, in their order. */
function infoFields(raw: Raw, status: Raw): [string, unknown][] {
  const fields: [string, unknown][] = [
    ["uid", String(raw.station_id)],
    ["renting", Boolean(status.is_renting)],
    ["returning", Boolean(status.is_returning)],
    ["installed", Boolean(status.is_installed)],
  ];
  const reported = status.last_reported;
  const seconds = reported == null
    ? FEED_SECONDS
    : typeof reported === "string"
    ? Date.parse(reported) / 1000
    : reported as number;
  fields.push(["last_updated", Math.floor(seconds)]);
  fields.push(["virtual", Boolean(raw.is_virtual_station)]);
  if (raw.capacity != null) fields.push(["slots", raw.capacity]);
  if (raw.address != null) fields.push(["address", raw.address]);
  if (raw.post_code != null) fields.push(["post_code", raw.post_code]);
  if (raw.rental_uris != null) fields.push(["rental_uris", raw.rental_uris]);
  return fields;
}

/** station_information as recorded, and with its optional fields taken away or added in turn. */
function variants(stations: Raw[]): Raw[][] {
  const without = (s: Raw, ...keys: string[]) =>
    Object.fromEntries(Object.entries(s).filter(([k]) => !keys.includes(k)));
  return [
    stations,
    stations.map((s) => without(s, "rental_uris")),
    stations.map((s) => ({ ...s, address: `${s.name} 1` })),
    stations.map((s) => ({ ...without(s, "capacity"), address: "a", "post_code": "75001" })),
    stations.map((s) => without(s, "capacity", "rental_uris", "address", "post_code")),
    // Mixed: every kind of station in one feed.
    stations.map((s, i) =>
      i % 3 === 0 ? without(s, "rental_uris") : i % 3 === 1 ? { ...s, address: "b" } : s
    ),
  ];
}

Deno.test("joinStations() writes extra's keys in pybikes' order, whatever optional fields a station has", async () => {
  let checked = 0;
  for (const [set, major] of SETS) {
    const information = await fixtureJson(set, "station_information.json");
    const statusDocument = await fixtureJson(set, "station_status.json");
    const status = readStatus(statusDocument, "u", major);
    const statusById = new Map(rawStations(statusDocument).map((s) => [String(s.station_id), s]));
    let kinds = new Map<string, ReturnType<typeof vehicleKind>>();
    try {
      const types = (await fixtureJson(set, "vehicle_types.json")).data as {
        vehicle_types: VehicleType[];
      };
      kinds = new Map(types.vehicle_types.map((t) => [t.vehicle_type_id, vehicleKind(t)]));
    } catch {
      // No vehicle_types in this set.
    }
    for (const stations of variants(rawStations(information))) {
      const document = { ...information, data: { stations } };
      const joined = joinStations(readInformation(document, "u"), status, kinds, FEED_SECONDS);
      const rawById = new Map(stations.map((s) => [String(s.station_id), s]));
      for (const station of joined.stations) {
        const where = `${set} ${station.id}`;
        const expected = infoFields(rawById.get(station.id)!, statusById.get(station.id)!);
        const keys = Object.keys(station.extra);
        assert.deepStrictEqual(keys.slice(0, expected.length), expected.map(([k]) => k), where);
        for (const [key, value] of expected) {
          assert.deepStrictEqual(station.extra[key], value, where);
        }
        // Then the counts only (their order is the join's own, unchanged).
        for (const key of keys.slice(expected.length)) assert.ok(COUNT_KEYS.includes(key), where);
        checked++;
      }
    }
  }
  assert.ok(checked > 100, `${checked} stations checked`);
});
