/**
 * The numbers a published network must carry, computed straight from the raw
 * recorded files (never from the code under test): the info × status join on
 * station_id, bikes, docks and report time per station.
 */
import { fixtureJson, type Raw, rawStations } from "../scrape/_fixtures.ts";

export interface ExpectedStation {
  id: string;
  latitude: number;
  longitude: number;
  "free_bikes": number;
  "empty_slots": number | null;
  timestamp: string;
}

export async function expectedStations(set: string): Promise<Map<string, ExpectedStation>> {
  const info = rawStations(await fixtureJson(set, "station_information.json"));
  const status = rawStations(await fixtureJson(set, "station_status.json"));
  const infoById = new Map(info.map((station) => [String(station.station_id), station]));
  const expected = new Map<string, ExpectedStation>();
  for (const station of status) {
    const id = String(station.station_id);
    const where: Raw | undefined = infoById.get(id);
    if (!where) continue;
    const reported = station.last_reported;
    expected.set(id, {
      id,
      latitude: Number(where.lat),
      longitude: Number(where.lon),
      free_bikes: Number(station.num_bikes_available ?? station.num_vehicles_available),
      empty_slots: station.num_docks_available === undefined
        ? null
        : Number(station.num_docks_available),
      timestamp: new Date(typeof reported === "number" ? reported * 1000 : String(reported))
        .toISOString(),
    });
  }
  return expected;
}

/** Compares a published payload with the expectation, station by station. */
export function compareStations(
  payload: { stations: Array<Record<string, unknown>> },
  expected: Map<string, ExpectedStation>,
): string[] {
  const problems: string[] = [];
  if (payload.stations.length !== expected.size) {
    problems.push(`${payload.stations.length} stations, expected ${expected.size}`);
  }
  for (const station of payload.stations) {
    const want = expected.get(String(station.id));
    if (!want) {
      problems.push(`unexpected station ${station.id}`);
      continue;
    }
    for (const field of ["latitude", "longitude", "free_bikes", "empty_slots"] as const) {
      if (station[field] !== want[field]) {
        problems.push(`station ${want.id} ${field}: ${station[field]}, expected ${want[field]}`);
      }
    }
    if (new Date(String(station.timestamp)).toISOString() !== want.timestamp) {
      problems.push(
        `station ${want.id} timestamp: ${station.timestamp}, expected ${want.timestamp}`,
      );
    }
  }
  return problems;
}
