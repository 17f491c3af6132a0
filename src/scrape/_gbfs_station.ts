/**
 * One GBFS station (station_information × station_status) → one CityBikes
 * station, with the `extra` fields pybikes' GBFS scraper produces.
 */
import type { Station } from "./network.ts";
import type { InformationStation, StatusStation, VehicleType } from "./_gbfs_schemas.ts";

/** What a vehicle type counts as at a station, as pybikes sorts them. */
export type Kind = "normal_bikes" | "ebikes" | "cargo" | "ecargo" | "scooters";

const hasFlag: Record<Kind, string | undefined> = {
  "normal_bikes": undefined,
  ebikes: "has_ebikes",
  cargo: "has_cargo",
  ecargo: "has_ecargo",
  scooters: "has_scooters",
};

/** Sorts a vehicle type by form factor and propulsion; undefined for anything that is none of these. */
export function vehicleKind(type: VehicleType): Kind | undefined {
  const electric = type.propulsion_type === "electric" ||
    type.propulsion_type === "electric_assist";
  if (type.form_factor === "bicycle") {
    if (type.propulsion_type === "human") return "normal_bikes";
    if (electric) return "ebikes";
  }
  if (type.form_factor === "cargo_bicycle") {
    if (type.propulsion_type === "human") return "cargo";
    if (type.propulsion_type === "electric_assist") return "ecargo";
  }
  if (type.form_factor.includes("scooter") && type.propulsion_type === "electric") {
    return "scooters";
  }
  return undefined;
}

/**
 * Joins one station. `kinds` maps vehicle_type_id to its kind (empty when the
 * feed lists no vehicle_types); `feedSeconds` is station_status' own
 * `last_updated`, the fallback when a station has no `last_reported`.
 */
export function toStation(
  info: InformationStation,
  status: StatusStation,
  kinds: ReadonlyMap<string, Kind | undefined>,
  feedSeconds: number,
): Station {
  const reportedSeconds = status.last_reported ?? feedSeconds;
  const extra: Record<string, unknown> = {
    uid: info.station_id,
    renting: status.is_renting,
    returning: status.is_returning,
    installed: status.is_installed,
    "last_updated": Math.floor(reportedSeconds),
    virtual: info.is_virtual_station ?? false,
  };
  if (info.capacity != null) extra.slots = info.capacity;
  if (info.address != null) extra.address = info.address;
  if (info.post_code != null) extra.post_code = info.post_code;
  if (info.rental_uris != null) {
    const uris: Record<string, string> = {};
    for (const os of ["android", "ios", "web"] as const) {
      const uri = info.rental_uris[os];
      if (uri != null) uris[os] = uri;
    }
    extra.rental_uris = uris;
  }

  let freeBikes = status.freeBikes;
  const byType = status.vehicle_types_available;
  const typed = byType != null && kinds.size > 0;
  if (typed) {
    // vehicle_types_available is the finer count: when it can be read, it alone
    // decides (2.x Lyft feeds also send num_ebikes_available, the same bikes
    // again; adding both would count every e-bike twice).
    for (const available of byType) {
      const kind = kinds.get(available.vehicle_type_id);
      if (kind === undefined) continue;
      extra[kind] = ((extra[kind] as number | undefined) ?? 0) + available.count;
      const flag = hasFlag[kind];
      if (flag !== undefined) extra[flag] = true;
    }
    // Some feeds (Dott) report 0 bikes but fill vehicle_types_available.
    if (freeBikes === 0) {
      freeBikes = ((extra.normal_bikes as number | undefined) ?? 0) +
        ((extra.ebikes as number | undefined) ?? 0);
    }
  } else if (status.num_bikes_available_types?.ebike != null) {
    // 1.x (Vélib'): `mechanical` + `ebike`, the same bikes as num_bikes_available.
    const types = status.num_bikes_available_types;
    extra.ebikes = types.ebike;
    extra.has_ebikes = true;
    if (types.mechanical != null) extra.normal_bikes = types.mechanical;
  } else if (status.num_ebikes_available != null) {
    extra.ebikes = status.num_ebikes_available;
    extra.has_ebikes = true;
  }

  return {
    id: info.station_id,
    name: info.name,
    latitude: info.lat,
    longitude: info.lon,
    free_bikes: freeBikes,
    empty_slots: status.num_docks_available ?? null,
    timestamp: new Date(reportedSeconds * 1000).toISOString(),
    extra,
  };
}
