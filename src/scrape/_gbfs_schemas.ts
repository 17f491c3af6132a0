/**
 * valibot schemas of the small GBFS documents Spoke reads (gbfs.json,
 * system_information, vehicle_types), 2.x and 3.x. They check only what the
 * scraper uses and let every other field through (looseObject), and they
 * normalise what the versions spell differently: text is a 2.x plain string
 * or 3.x localized `[{text, language}]` (→ the English one, else the first);
 * ids are strings, or numbers in some feeds (→ a string).
 *
 * The per-station and per-vehicle arrays (station_information,
 * station_status, free_bike_status, vehicle_status) are checked by hand in
 * `_gbfs_fields.ts`, `_gbfs_information.ts`, `_gbfs_status.ts` (each with its
 * byte scanner, `_gbfs_information_scan.ts` and `_gbfs_status_scan.ts`) and
 * `_gbfs_vehicle.ts`, with the same
 * normalisations and the same wording of errors, and more: 3.x RFC 3339 times
 * and 2.x POSIX seconds → POSIX seconds; 0/1 for booleans; the 2.x bike count
 * `num_bikes_available` and 3.x `num_vehicles_available`; Vélib's pre-standard
 * `lastUpdatedOther` and `num_bikes_available_types` lists; `bike_id` (2.x) and
 * `vehicle_id` (3.x).
 */
import * as v from "valibot";

const localized = v.pipe(
  v.array(v.looseObject({ text: v.string(), language: v.string() })),
  v.minLength(1, "must hold at least one translation"),
  v.transform((texts) =>
    (texts.find((t) => t.language.toLowerCase().startsWith("en")) ?? texts[0])!.text
  ),
);

/** 2.x string or 3.x localized strings → one string. */
const text = v.union([v.string(), localized]);

const id = v.pipe(v.union([v.string(), v.number()]), v.transform((x) => String(x)));

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

export type SystemInformation = v.InferOutput<typeof systemInformation>["data"];
export type VehicleType = v.InferOutput<typeof vehicleTypes>["data"]["vehicle_types"][number];
