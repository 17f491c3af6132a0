/**
 * Free-floating GBFS vehicles (`free_bike_status` / `vehicle_status`) → CityBikes
 * vehicles, sorted by kind the way stations sort their counts. Checked by hand
 * like the station arrays (`_gbfs_fields.ts`), each vehicle built straight
 * from the feed's object.
 */
import type { Vehicle } from "./network.ts";
import type { Kind, Kinds } from "./_gbfs_station.ts";
import { isoTime, member } from "./_gbfs_station.ts";
import * as field from "./_gbfs_fields.ts";

const vehicleKindName: Record<Kind, string> = {
  "normal_bikes": "bike",
  ebikes: "ebike",
  cargo: "cargo",
  ecargo: "ecargo",
  scooters: "scooter",
};

/** A vehicles document, checked as a document; its vehicles are checked by {@link toVehicles}. */
export interface VehicleList {
  readonly vehicles: readonly unknown[];
  /** `data.bikes` (1.x/2.x `free_bike_status`) or `data.vehicles` (3.x `vehicle_status`). */
  readonly list: "data.bikes" | "data.vehicles";
  readonly lastUpdated: number | undefined;
}

/** Reads a `free_bike_status` (`bikes[].bike_id`) or, for `v3`, a `vehicle_status` (`vehicles[].vehicle_id`). */
export function readVehicles(document: unknown, url: string, v3: boolean): VehicleList {
  const name = v3 ? "vehicles" : "bikes";
  const data = member(document, "data", url, "document");
  const vehicles = member(data, name, url, "data");
  const list = v3 ? "data.vehicles" : "data.bikes";
  if (!Array.isArray(vehicles)) throw field.invalid(url, list, "must be an array", vehicles);
  const lastUpdated = field.optionalTime(
    (document as Record<string, unknown>).last_updated,
    url,
    "",
    -1,
    "last_updated",
  );
  return { vehicles, list, lastUpdated };
}

/**
 * Checks every vehicle and keeps those that are free-floating (not docked: a
 * position and no `station_id`, else already in a station's count) and a bike
 * or a scooter (not a car, a moped). `kinds` maps vehicle_type_id to its kind;
 * a vehicle without a type is a bike, as in GBFS 1.x.
 */
export function toVehicles(
  document: VehicleList,
  kinds: Kinds,
  feedSeconds: number,
  url: string,
): Vehicle[] {
  const { vehicles: raws, list } = document;
  const idField = list === "data.bikes" ? "bike_id" : "vehicle_id";
  const vehicles: Vehicle[] = [];
  for (let i = 0; i < raws.length; i++) {
    const raw = field.recordAt(raws[i], url, list, i);
    const latitude = field.optionalNumber(raw.lat, url, list, i, "lat");
    const longitude = field.optionalNumber(raw.lon, url, list, i, "lon");
    const stationId = field.optionalId(raw.station_id, url, list, i, "station_id");
    const reserved = field.optionalFlag(raw.is_reserved, url, list, i, "is_reserved");
    const disabled = field.optionalFlag(raw.is_disabled, url, list, i, "is_disabled");
    const typeId = field.optionalId(raw.vehicle_type_id, url, list, i, "vehicle_type_id");
    const reported = field.optionalTime(raw.last_reported, url, list, i, "last_reported");
    const range = field.optionalNumber(
      raw.current_range_meters,
      url,
      list,
      i,
      "current_range_meters",
    );
    const fuel = field.optionalNumber(
      raw.current_fuel_percent,
      url,
      list,
      i,
      "current_fuel_percent",
    );
    const id = field.id(raw[idField], url, list, i, idField);

    // Absent on a vehicle docked at a station (2.1+): such vehicles are in the station counts.
    if (latitude === undefined || longitude === undefined || stationId !== undefined) continue;
    let kind = "bike";
    if (typeId !== undefined) {
      if (kinds.has(typeId)) {
        const sorted = kinds.get(typeId);
        if (sorted === undefined) continue;
        kind = vehicleKindName[sorted];
      } else if (kinds.size > 0) {
        // A type vehicle_types does not list: the feed contradicts itself; keep the
        // vehicle (it is on the street) without guessing its kind.
        kind = "unknown";
      }
    }
    const extra: Record<string, unknown> = {
      uid: id,
      kind,
      online: !(disabled ?? false),
      reserved: reserved ?? false,
    };
    if (typeId !== undefined) extra.vehicle_type = typeId;
    if (range !== undefined) extra.range_meters = range;
    if (fuel !== undefined) extra.battery = fuel;
    vehicles.push({
      id,
      latitude,
      longitude,
      timestamp: isoTime(reported ?? feedSeconds),
      extra,
    });
  }
  return vehicles;
}
