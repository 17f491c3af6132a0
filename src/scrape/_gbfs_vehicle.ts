/**
 * One free-floating GBFS vehicle (`free_bike_status` / `vehicle_status`) → one
 * CityBikes vehicle, sorted by kind the way stations sort their counts.
 */
import type { Vehicle } from "./network.ts";
import type { FeedVehicle } from "./_gbfs_schemas.ts";
import type { Kind } from "./_gbfs_station.ts";

const vehicleKindName: Record<Kind, string> = {
  "normal_bikes": "bike",
  ebikes: "ebike",
  cargo: "cargo",
  ecargo: "ecargo",
  scooters: "scooter",
};

/**
 * The vehicle, or undefined when it is not free-floating (docked: no position,
 * or a `station_id`, so already in a station's count) or of a type that is not
 * a bike or a scooter (a car, a moped). `kinds` maps vehicle_type_id to its
 * kind; a vehicle without a type is a bike, as in GBFS 1.x.
 */
export function toVehicle(
  raw: FeedVehicle,
  kinds: ReadonlyMap<string, Kind | undefined>,
  feedSeconds: number,
): Vehicle | undefined {
  if (raw.lat == null || raw.lon == null || raw.station_id != null) return undefined;
  let kind = "bike";
  if (raw.vehicle_type_id != null) {
    if (kinds.has(raw.vehicle_type_id)) {
      const sorted = kinds.get(raw.vehicle_type_id);
      if (sorted === undefined) return undefined;
      kind = vehicleKindName[sorted];
    } else if (kinds.size > 0) {
      // A type vehicle_types does not list: the feed contradicts itself; keep the
      // vehicle (it is on the street) without guessing its kind.
      kind = "unknown";
    }
  }
  const reportedSeconds = raw.last_reported ?? feedSeconds;
  const extra: Record<string, unknown> = {
    uid: raw.id,
    kind,
    online: !(raw.is_disabled ?? false),
    reserved: raw.is_reserved ?? false,
  };
  if (raw.vehicle_type_id != null) extra.vehicle_type = raw.vehicle_type_id;
  if (raw.current_range_meters != null) extra.range_meters = raw.current_range_meters;
  if (raw.current_fuel_percent != null) extra.battery = raw.current_fuel_percent;
  return {
    id: raw.id,
    latitude: raw.lat,
    longitude: raw.lon,
    timestamp: new Date(reportedSeconds * 1000).toISOString(),
    extra,
  };
}
