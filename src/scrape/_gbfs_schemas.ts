/**
 * valibot schemas of the GBFS 2.x and 3.x documents Spoke reads. They check
 * only what the scraper uses and let every other field through (looseObject),
 * and they normalise what the two versions spell differently, so the rest of
 * the scraper sees one shape:
 *
 * - text: 2.x plain string, 3.x localized `[{text, language}]` → a string (en, else the first);
 * - time: 2.x POSIX seconds, 3.x RFC 3339 string → POSIX seconds;
 * - booleans: the spec says boolean, many 2.x feeds send 0/1 → boolean;
 * - ids: the spec says string, some feeds send numbers → string;
 * - the bike count: 2.x `num_bikes_available`, 3.x `num_vehicles_available` → `freeBikes`;
 * - pre-standard 1.x (Vélib'): `lastUpdatedOther` for `last_updated`, and
 *   `num_bikes_available_types` as an object or a list of one-key objects → one object;
 * - free-floating vehicles: 2.x `free_bike_status` `bikes[].bike_id`, 3.x
 *   `vehicle_status` `vehicles[].vehicle_id` → `id`.
 *
 * Each version's required fields stay required, so a broken feed fails with
 * the path of the field instead of producing a wrong station.
 */
import * as v from "valibot";

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const localized = v.pipe(
  v.array(v.looseObject({ text: v.string(), language: v.string() })),
  v.minLength(1, "must hold at least one translation"),
  v.transform((texts) =>
    (texts.find((t) => t.language.toLowerCase().startsWith("en")) ?? texts[0])!.text
  ),
);

/** 2.x string or 3.x localized strings → one string. */
const text = v.union([v.string(), localized]);

const rfc3339 = v.pipe(
  v.string(),
  v.check((s) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)), "must be an RFC 3339 date-time"),
  v.transform((s) => Date.parse(s) / 1000),
);

// A Date holds ±8.64e12 s; past that toISOString() would throw far from the feed.
const posix = v.pipe(
  v.number(),
  v.check((n) => Math.abs(n) < 8.64e12, "must be POSIX seconds"),
);

/** 2.x POSIX seconds or 3.x RFC 3339 → POSIX seconds (fractions kept). */
const time = v.union([posix, rfc3339]);

const flag = v.pipe(v.union([v.boolean(), v.number()]), v.transform((b) => Boolean(b)));

const id = v.pipe(v.union([v.string(), v.number()]), v.transform((x) => String(x)));

const count = v.number();

const feedEntry = v.looseObject({ name: v.string(), url: v.string() });

/** Reads only `version`, to choose the discovery shape. */
export const versionProbe = v.looseObject({ version: v.nullish(v.string()) });

/** 2.x (and 1.x) `gbfs.json`: feeds per language. */
export const discoveryV2 = v.looseObject({
  data: v.record(v.string(), v.looseObject({ feeds: v.array(feedEntry) })),
});

/** 3.x `gbfs.json`: one list of feeds. */
export const discoveryV3 = v.looseObject({
  data: v.looseObject({ feeds: v.array(feedEntry) }),
});

export const systemInformation = v.looseObject({
  data: v.looseObject({ name: text, operator: v.nullish(text) }),
});

export const vehicleTypes = v.looseObject({
  data: v.looseObject({
    vehicle_types: v.array(v.looseObject({
      vehicle_type_id: id,
      form_factor: v.string(),
      propulsion_type: v.string(),
    })),
  }),
});

export const stationInformation = v.looseObject({
  data: v.looseObject({
    stations: v.array(v.looseObject({
      station_id: id,
      name: text,
      lat: v.number(),
      lon: v.number(),
      capacity: v.nullish(count),
      address: v.nullish(v.string()),
      post_code: v.nullish(v.string()),
      is_virtual_station: v.nullish(flag),
      rental_uris: v.nullish(v.looseObject({
        android: v.nullish(v.string()),
        ios: v.nullish(v.string()),
        web: v.nullish(v.string()),
      })),
    })),
  }),
});

/**
 * Vélib' sends `[{"mechanical": 2}, {"ebike": 3}]`, others `{"mechanical": 2, "ebike": 3}`:
 * both become one object of counts.
 */
const bikeTypeCounts = v.pipe(
  v.union([v.array(v.record(v.string(), count)), v.record(v.string(), count)]),
  v.transform((types): Record<string, number> =>
    Array.isArray(types) ? Object.assign({}, ...types) : types
  ),
);

const statusCommon = {
  "station_id": id,
  "is_installed": flag,
  "is_renting": flag,
  "is_returning": flag,
  "last_reported": v.nullish(time),
  "num_docks_available": v.nullish(count),
  "num_ebikes_available": v.nullish(count),
  "vehicle_types_available": v.nullish(v.array(v.looseObject({ vehicle_type_id: id, count }))),
  "num_bikes_available_types": v.nullish(bikeTypeCounts),
};

const stationStatus = <T extends v.GenericSchema<unknown, { freeBikes: number }>>(station: T) =>
  v.looseObject({
    last_updated: v.nullish(time),
    // Pre-standard 1.x (Vélib'): the same POSIX seconds under another name.
    lastUpdatedOther: v.nullish(posix),
    data: v.looseObject({ stations: v.array(station) }),
  });

export const stationStatusV2 = stationStatus(v.pipe(
  v.looseObject({ ...statusCommon, num_bikes_available: count }),
  v.transform((s) => ({ ...s, freeBikes: s.num_bikes_available })),
));

export const stationStatusV3 = stationStatus(v.pipe(
  v.looseObject({ ...statusCommon, num_vehicles_available: count }),
  v.transform((s) => ({ ...s, freeBikes: s.num_vehicles_available })),
));

const vehicleCommon = {
  // Absent on a vehicle docked at a station (2.1+): such vehicles are in the station counts.
  lat: v.nullish(v.number()),
  lon: v.nullish(v.number()),
  "station_id": v.nullish(id),
  "is_reserved": v.nullish(flag),
  "is_disabled": v.nullish(flag),
  "vehicle_type_id": v.nullish(id),
  "last_reported": v.nullish(time),
  "current_range_meters": v.nullish(v.number()),
  "current_fuel_percent": v.nullish(v.number()),
};

/** 1.x/2.x `free_bike_status`: `data.bikes[]` keyed by `bike_id`. */
export const freeBikeStatus = v.looseObject({
  last_updated: v.nullish(time),
  data: v.looseObject({
    bikes: v.array(v.pipe(
      v.looseObject({ ...vehicleCommon, bike_id: id }),
      v.transform((b) => ({ ...b, id: b.bike_id })),
    )),
  }),
});

/** 3.x `vehicle_status`: `data.vehicles[]` keyed by `vehicle_id`. */
export const vehicleStatus = v.looseObject({
  last_updated: v.nullish(time),
  data: v.looseObject({
    vehicles: v.array(v.pipe(
      v.looseObject({ ...vehicleCommon, vehicle_id: id }),
      v.transform((b) => ({ ...b, id: b.vehicle_id })),
    )),
  }),
});

export type SystemInformation = v.InferOutput<typeof systemInformation>["data"];
export type VehicleType = v.InferOutput<typeof vehicleTypes>["data"]["vehicle_types"][number];
export type InformationStation = v.InferOutput<
  typeof stationInformation
>["data"]["stations"][number];
export type StatusStation = v.InferOutput<
  typeof stationStatusV2 | typeof stationStatusV3
>["data"]["stations"][number];
export type FeedVehicle =
  | v.InferOutput<typeof freeBikeStatus>["data"]["bikes"][number]
  | v.InferOutput<typeof vehicleStatus>["data"]["vehicles"][number];
