/**
 * GBFS stations: station_information read once per distinct body into an
 * index by station_id, then joined with station_status into CityBikes
 * stations, with the `extra` fields pybikes' GBFS scraper produces.
 *
 * Both station arrays are checked by hand (`_gbfs_fields.ts`), only the fields
 * Spoke uses, and each CityBikes station is built straight from the feed's
 * objects: with valibot, validation and its output copies were a third of a
 * scrape's CPU and most of its garbage (BENCHMARKS.md, "Scrapers").
 */
import type { Station } from "./network.ts";
import type { VehicleType } from "./_gbfs_schemas.ts";
import { FeedError } from "./feed_error.ts";
import * as field from "./_gbfs_fields.ts";

/** What a vehicle type counts as at a station, as pybikes sorts them. */
export type Kind = "normal_bikes" | "ebikes" | "cargo" | "ecargo" | "scooters";

/** vehicle_type_id → its kind (undefined: a type that is none of them, a car). */
export type Kinds = ReadonlyMap<string, Kind | undefined>;

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

/** One station of station_information, as every scrape of the same body reuses it. */
export interface InformationStation {
  readonly id: string;
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
  /** Where the station goes in the network: station_information's order. */
  readonly slot: number;
  /**
   * The station's `extra` in its key order, the status fields (renting,
   * returning, installed, last_updated) left to each scrape to fill in:
   * copied, never handed out. Its `rental_uris` is frozen and shared (by
   * every scrape of this body, and by the stations that have the same URIs).
   */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** station_information, read: the stations by id (a repeated id: the last one, in the first one's place). */
export interface Information {
  readonly byId: ReadonlyMap<string, InformationStation>;
  /** Distinct station ids. */
  readonly size: number;
}

/** station_status, checked as a document; its stations are checked while they are joined. */
export interface Status {
  readonly stations: readonly unknown[];
  /** The document's own `last_updated` (1.x Vélib': `lastUpdatedOther`), POSIX seconds. */
  readonly lastUpdated: number | undefined;
  /** 3.x counts vehicles (`num_vehicles_available`), earlier versions bikes. */
  readonly major: 1 | 2 | 3;
}

const STATIONS = "data.stations";

/** `data.stations` of a station document, or a FeedError naming what is not there. */
export function stationList(document: unknown, url: string): unknown[] {
  const data = member(document, "data", url, "document");
  const stations = member(data, "stations", url, "data");
  if (!Array.isArray(stations)) {
    throw field.invalid(url, STATIONS, "must be an array", stations);
  }
  return stations;
}

/** `object[name]`, where `object` must be an object and is at `path`. */
export function member(object: unknown, name: string, url: string, path: string): unknown {
  if (typeof object !== "object" || object === null) {
    throw field.invalid(url, path, "must be an object", object);
  }
  const value = (object as Record<string, unknown>)[name];
  if (value === undefined) {
    throw field.invalid(url, path === "document" ? name : `${path}.${name}`, "", undefined);
  }
  return value;
}

/** Reads station_information: every station checked, indexed by id. */
export function readInformation(document: unknown, url: string): Information {
  const stations = stationList(document, url);
  const byId = new Map<string, InformationStation>();
  const lastUris: LastUris = { android: null, ios: null, web: null, uris: undefined };
  for (let i = 0; i < stations.length; i++) {
    const raw = field.recordAt(stations[i], url, STATIONS, i);
    const id = field.id(raw.station_id, url, STATIONS, i, "station_id");
    const name = field.text(raw.name, url, STATIONS, i, "name");
    const latitude = field.number(raw.lat, url, STATIONS, i, "lat");
    const longitude = field.number(raw.lon, url, STATIONS, i, "lon");
    const capacity = field.optionalNumber(raw.capacity, url, STATIONS, i, "capacity");
    const address = field.optionalString(raw.address, url, STATIONS, i, "address");
    const postCode = field.optionalString(raw.post_code, url, STATIONS, i, "post_code");
    const virtual = field.optionalFlag(
      raw.is_virtual_station,
      url,
      STATIONS,
      i,
      "is_virtual_station",
    ) ?? false;
    const rentalUris = readRentalUris(raw.rental_uris, url, i, lastUris);
    const slot = byId.get(id)?.slot ?? byId.size;
    const extra: Record<string, unknown> = {
      uid: id,
      renting: false,
      returning: false,
      installed: false,
      "last_updated": 0,
      virtual,
    };
    if (capacity !== undefined) extra.slots = capacity;
    if (address !== undefined) extra.address = address;
    if (postCode !== undefined) extra.post_code = postCode;
    if (rentalUris !== undefined) extra.rental_uris = rentalUris;
    byId.set(id, { id, name, latitude, longitude, slot, extra });
  }
  return { byId, size: byId.size };
}

/** The rental URIs of the station before, reused when a station has the very same (most do). */
interface LastUris {
  android: unknown;
  ios: unknown;
  web: unknown;
  uris: Readonly<Record<string, string>> | undefined;
}

function readRentalUris(
  value: unknown,
  url: string,
  index: number,
  last: LastUris,
): Readonly<Record<string, string>> | undefined {
  if (value == null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw field.invalid(url, field.at(STATIONS, index, "rental_uris"), "must be an object", value);
  }
  const { android, ios, web } = value as Record<string, unknown>;
  if (
    last.uris !== undefined && android === last.android && ios === last.ios && web === last.web
  ) {
    return last.uris;
  }
  const uris: Record<string, string> = {};
  const pairs = [["android", android], ["ios", ios], ["web", web]] as const;
  for (const [os, uri] of pairs) {
    if (uri == null) continue;
    if (typeof uri !== "string") {
      throw field.invalid(
        url,
        field.at(STATIONS, index, "rental_uris", `.${os}`),
        "must be a string",
        uri,
      );
    }
    uris[os] = uri;
  }
  last.android = android;
  last.ios = ios;
  last.web = web;
  last.uris = Object.freeze(uris);
  return last.uris;
}

/** Reads station_status as a document: its stations are checked by {@link joinStations}. */
export function readStatus(document: unknown, url: string, major: 1 | 2 | 3): Status {
  const stations = stationList(document, url);
  const fields = document as Record<string, unknown>;
  const lastUpdated = field.optionalTime(fields.last_updated, url, "", -1, "last_updated");
  // Pre-standard 1.x (Vélib'): the same POSIX seconds under another name.
  const other = fields.lastUpdatedOther;
  if (other != null && !(typeof other === "number" && Math.abs(other) < field.MAX_POSIX_S)) {
    throw field.invalid(
      url,
      "lastUpdatedOther",
      typeof other === "number" ? "must be POSIX seconds" : "must be a number",
      other,
    );
  }
  return { stations, lastUpdated: lastUpdated ?? (other as number | null) ?? undefined, major };
}

/** The stations of both feeds, and what did not match. */
export interface Joined {
  /** In station_information's order. */
  stations: Station[];
  /** Distinct station ids of station_status. */
  statusSize: number;
  /** Distinct ids of station_status that station_information does not list. */
  orphans: string[];
}

/**
 * Checks every station of station_status and joins it with its
 * station_information station. `kinds` maps vehicle_type_id to its kind
 * (empty when the feed lists no vehicle_types); `feedSeconds` is the fallback
 * when a station has no `last_reported`. A repeated status id: the last one.
 */
export function joinStations(
  information: Information,
  status: Status,
  kinds: Kinds,
  feedSeconds: number,
  url: string,
): Joined {
  const raws = status.stations;
  const slots: (Station | undefined)[] = new Array(information.size);
  let orphans: Set<string> | undefined;
  let filled = 0;
  const countField = status.major === 3 ? "num_vehicles_available" : "num_bikes_available";
  for (let i = 0; i < raws.length; i++) {
    const raw = field.recordAt(raws[i], url, STATIONS, i);
    const id = field.id(raw.station_id, url, STATIONS, i, "station_id");
    const installed = field.flag(raw.is_installed, url, STATIONS, i, "is_installed");
    const renting = field.flag(raw.is_renting, url, STATIONS, i, "is_renting");
    const returning = field.flag(raw.is_returning, url, STATIONS, i, "is_returning");
    const reported = field.optionalTime(raw.last_reported, url, STATIONS, i, "last_reported");
    const docks = field.optionalNumber(
      raw.num_docks_available,
      url,
      STATIONS,
      i,
      "num_docks_available",
    );
    const ebikes = field.optionalNumber(
      raw.num_ebikes_available,
      url,
      STATIONS,
      i,
      "num_ebikes_available",
    );
    const byType = checkTypesAvailable(raw.vehicle_types_available, url, i);
    const byName = checkBikeTypeCounts(raw.num_bikes_available_types, url, i);
    let freeBikes = field.number(raw[countField], url, STATIONS, i, countField);

    const info = information.byId.get(id);
    if (info === undefined) {
      (orphans ??= new Set()).add(id);
      continue;
    }
    const reportedSeconds = reported ?? feedSeconds;
    // A copy of the station's own template (one shape for the stations that
    // have the same fields), the status fields set in their places.
    const extra: Record<string, unknown> = { ...info.extra };
    extra.renting = renting;
    extra.returning = returning;
    extra.installed = installed;
    extra.last_updated = Math.floor(reportedSeconds);

    if (byType !== undefined && kinds.size > 0) {
      // vehicle_types_available is the finer count: when it can be read, it alone
      // decides (2.x Lyft feeds also send num_ebikes_available, the same bikes
      // again; adding both would count every e-bike twice). Summed in locals,
      // then set in one order: a fixed shape for every station.
      let normal: number | undefined;
      let electric: number | undefined;
      let cargo: number | undefined;
      let ecargo: number | undefined;
      let scooters: number | undefined;
      for (const available of byType as readonly { vehicle_type_id: unknown; count: number }[]) {
        const typeId = available.vehicle_type_id;
        const kind = kinds.get(typeof typeId === "string" ? typeId : String(typeId));
        const count = available.count;
        if (kind === "normal_bikes") normal = (normal ?? 0) + count;
        else if (kind === "ebikes") electric = (electric ?? 0) + count;
        else if (kind === "cargo") cargo = (cargo ?? 0) + count;
        else if (kind === "ecargo") ecargo = (ecargo ?? 0) + count;
        else if (kind === "scooters") scooters = (scooters ?? 0) + count;
      }
      if (normal !== undefined) extra.normal_bikes = normal;
      if (electric !== undefined) {
        extra.ebikes = electric;
        extra.has_ebikes = true;
      }
      if (cargo !== undefined) {
        extra.cargo = cargo;
        extra.has_cargo = true;
      }
      if (ecargo !== undefined) {
        extra.ecargo = ecargo;
        extra.has_ecargo = true;
      }
      if (scooters !== undefined) {
        extra.scooters = scooters;
        extra.has_scooters = true;
      }
      // Some feeds (Dott) report 0 bikes but fill vehicle_types_available.
      if (freeBikes === 0) freeBikes = (normal ?? 0) + (electric ?? 0);
    } else if (byName !== undefined && byName.ebike !== undefined) {
      // 1.x (Vélib'): `mechanical` + `ebike`, the same bikes as num_bikes_available.
      extra.ebikes = byName.ebike;
      extra.has_ebikes = true;
      if (byName.mechanical !== undefined) extra.normal_bikes = byName.mechanical;
    } else if (ebikes !== undefined) {
      extra.ebikes = ebikes;
      extra.has_ebikes = true;
    }

    if (slots[info.slot] === undefined) filled++;
    slots[info.slot] = {
      id: info.id,
      name: info.name,
      latitude: info.latitude,
      longitude: info.longitude,
      "free_bikes": freeBikes,
      "empty_slots": docks ?? null,
      timestamp: isoTime(reportedSeconds),
      extra,
    };
  }
  const stations: Station[] = new Array(filled);
  let n = 0;
  for (const station of slots) if (station !== undefined) stations[n++] = station;
  const orphanIds = orphans === undefined ? [] : [...orphans];
  return { stations, statusSize: filled + orphanIds.length, orphans: orphanIds };
}

const DAY_MS = 86_400_000;
const twoDigits = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));
const threeDigits = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, "0"));
/** The last day formatted, `YYYY-MM-DDT`: the stations of one scrape mostly share it. */
let lastDay = NaN;
let lastDayPrefix = "";

/**
 * `new Date(seconds * 1000).toISOString()`, the same string in a quarter of the
 * time (toISOString was a fifth of a 2,000-station scrape): the date part is
 * formatted once per day, the time from tables. Whole milliseconds of years
 * 1970–9999 only; anything else goes to Date.
 */
export function isoTime(seconds: number): string {
  const ms = seconds * 1000;
  if (!Number.isInteger(ms) || ms < 0 || ms >= 253_402_300_800_000) {
    return new Date(ms).toISOString();
  }
  const day = Math.floor(ms / DAY_MS);
  if (day !== lastDay) {
    lastDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    lastDay = day;
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const whole = Math.floor(rest / 1000);
  return `${lastDayPrefix}${twoDigits[hours]}:${twoDigits[minutes]}:${twoDigits[whole]}.${
    threeDigits[rest - whole * 1000]
  }Z`;
}

/** `vehicle_types_available`: a list of `{vehicle_type_id, count}`, checked; undefined when absent. */
function checkTypesAvailable(value: unknown, url: string, index: number): unknown[] | undefined {
  if (value == null) return undefined;
  const name = "vehicle_types_available";
  if (!Array.isArray(value)) {
    throw field.invalid(url, field.at(STATIONS, index, name), "must be an array", value);
  }
  for (let j = 0; j < value.length; j++) {
    const entry: unknown = value[j];
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw field.invalid(
        url,
        field.at(STATIONS, index, name, `[${j}]`),
        "must be an object",
        entry,
      );
    }
    const { vehicle_type_id: typeId, count } = entry as Record<string, unknown>;
    if (!(typeof typeId === "string" || (typeof typeId === "number" && Number.isFinite(typeId)))) {
      throw field.invalid(
        url,
        field.at(STATIONS, index, name, `[${j}].vehicle_type_id`),
        "must be a string or a number",
        typeId,
      );
    }
    if (!(typeof count === "number" && Number.isFinite(count))) {
      throw field.invalid(
        url,
        field.at(STATIONS, index, name, `[${j}].count`),
        typeof count === "number" ? "must be a finite number" : "must be a number",
        count,
      );
    }
  }
  return value;
}

/**
 * `num_bikes_available_types` (1.x): Vélib' sends `[{"mechanical": 2}, {"ebike": 3}]`,
 * others `{"mechanical": 2, "ebike": 3}`; every count checked, the two Spoke
 * uses returned (a repeated name: the last one).
 */
function checkBikeTypeCounts(
  value: unknown,
  url: string,
  index: number,
): { mechanical?: number; ebike?: number } | undefined {
  if (value == null) return undefined;
  const name = "num_bikes_available_types";
  if (typeof value !== "object") {
    throw field.invalid(
      url,
      field.at(STATIONS, index, name),
      "must be an array or an object",
      value,
    );
  }
  const counts: { mechanical?: number; ebike?: number } = {};
  const read = (record: unknown, where: string) => {
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      throw field.invalid(url, field.at(STATIONS, index, name, where), "must be an object", record);
    }
    for (const [type, count] of Object.entries(record)) {
      if (!(typeof count === "number" && Number.isFinite(count))) {
        throw field.invalid(
          url,
          field.at(STATIONS, index, name, `${where}${field.key(type)}`),
          "must be a number",
          count,
        );
      }
      if (type === "mechanical") counts.mechanical = count;
      else if (type === "ebike") counts.ebike = count;
    }
  };
  if (Array.isArray(value)) value.forEach((record, j) => read(record, `[${j}]`));
  else read(value, "");
  return counts;
}

/** A FeedError for a station document that does not list the stations it should. */
export function noStationsError(url: string, joined: Joined, information: Information): FeedError {
  return new FeedError(
    url,
    `no stations: station_status lists ${joined.statusSize}, station_information ${information.size}, none in both`,
  );
}
