/**
 * The join does not depend on the order station_status lists its stations in
 * (it tries the station after the last one found before looking an id up):
 * stations come in station_information's order, a repeated id is its last
 * status, whatever the order.
 */
import assert from "node:assert/strict";
import { joinStations, vehicleKind } from "../../src/scrape/_gbfs_station.ts";
import { readInformation } from "../../src/scrape/_gbfs_information.ts";
import { readStatus } from "../../src/scrape/_gbfs_status.ts";
import { scanStatusBytes } from "../../src/scrape/_gbfs_status_scan.ts";
import type { VehicleType } from "../../src/scrape/_gbfs_schemas.ts";
import { fixtureJson, type Raw, rawStations } from "./_fixtures.ts";

const SET = "gbfs-v2.3-divvy-chicago";
const encoder = new TextEncoder();

async function joinOf(statusStations: Raw[]) {
  const information = readInformation(await fixtureJson(SET, "station_information.json"), "u");
  const types = (await fixtureJson(SET, "vehicle_types.json")).data as {
    vehicle_types: VehicleType[];
  };
  const kinds = new Map(types.vehicle_types.map((t) => [t.vehicle_type_id, vehicleKind(t)]));
  const document = {
    ...(await fixtureJson(SET, "station_status.json")),
    data: { stations: statusStations },
  };
  const read = readStatus(document, "u", 2);
  const scanned = scanStatusBytes(encoder.encode(JSON.stringify(document)), 2);
  assert.ok(scanned !== undefined);
  const joined = joinStations(information, read, kinds, 1_738_144_058);
  assert.deepStrictEqual(joinStations(information, scanned.document, kinds, 1_738_144_058), joined);
  return joined;
}

Deno.test("joinStations() gives the same stations whatever order station_status lists them in", async () => {
  const stations = rawStations(await fixtureJson(SET, "station_status.json"));
  const inOrder = await joinOf(stations);
  assert.ok(inOrder.stations.length > 10);
  const rotated = [...stations.slice(7), ...stations.slice(0, 7)];
  for (const order of [stations.toReversed(), rotated]) {
    assert.deepStrictEqual(await joinOf(order), inOrder);
  }
});

Deno.test("joinStations() takes a repeated id's last status and drops an orphan, in any order", async () => {
  const stations = rawStations(await fixtureJson(SET, "station_status.json"));
  const first = stations[0]!;
  const again = { ...first, "num_docks_available": (first.num_docks_available as number) + 1 };
  const orphan = { ...first, "station_id": "not-in-station-information" };
  const replaced = await joinOf([again, ...stations.slice(1)]);
  for (const order of [[...stations, orphan, again], [orphan, ...stations.toReversed(), again]]) {
    const joined = await joinOf(order);
    assert.deepStrictEqual(joined.stations, replaced.stations);
    assert.deepStrictEqual(joined.orphans, ["not-in-station-information"]);
  }
});
