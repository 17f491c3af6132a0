/**
 * GBFS stations: station_information read into an index by station_id
 * (`_gbfs_information.ts`), joined with station_status into CityBikes
 * stations, with the `extra` fields pybikes' GBFS scraper produces.
 *
 * Both station arrays are checked by hand (`_gbfs_fields.ts`), only the fields
 * Spoke uses: station_information into its index, station_status into columns
 * (`_gbfs_status.ts`), and each CityBikes station is built straight from them:
 * with valibot, validation and its output copies were a third of a scrape's
 * CPU and most of its garbage (BENCHMARKS.md, "Scrapers").
 */
import type { Station } from "./network.ts";
import type { VehicleType } from "./_gbfs_schemas.ts";
import { FeedError } from "./feed_error.ts";
import * as field from "./_gbfs_fields.ts";
import type { Information } from "./_gbfs_information.ts";
import {
  DOCKS,
  EBIKE,
  EBIKES,
  FLAGS,
  FREE,
  INSTALLED,
  MECHANICAL,
  RENTING,
  REPORTED,
  RETURNING,
  type Status,
  TYPES_FROM,
  TYPES_TO,
  WIDTH,
} from "./_gbfs_status.ts";
import { statusId } from "./_gbfs_status_ids.ts";
import { smallInt } from "./_small_int.ts";

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

/**
 * A station's `extra` before its counts, in pybikes' key order: one literal
 * with the optional fields a station has (capacity and rental URIs, as Lyft's
 * systems send, or capacity alone), else the fields added one by one. A field
 * added past a literal's own goes to a properties store, allocated and then
 * grown as the counts follow.
 */
function extraOf(
  information: Information,
  slot: number,
  flags: number,
  lastUpdated: number,
): Record<string, unknown> {
  const renting = (flags & RENTING) !== 0;
  const returning = (flags & RETURNING) !== 0;
  const installed = (flags & INSTALLED) !== 0;
  const uid = information.ids[slot]!;
  const virtual = information.virtual[slot] === 1;
  const slots = information.capacities[slot];
  const address = information.addresses[slot];
  const postCode = information.postCodes[slot];
  const rentalUris = information.rentalUris[slot];
  if (address === undefined && postCode === undefined && slots !== undefined) {
    if (rentalUris !== undefined) {
      return {
        uid,
        renting,
        returning,
        installed,
        "last_updated": lastUpdated,
        virtual,
        slots,
        "rental_uris": rentalUris,
      };
    }
    return {
      uid,
      renting,
      returning,
      installed,
      "last_updated": lastUpdated,
      virtual,
      slots,
    };
  }
  const extra: Record<string, unknown> = {
    uid,
    renting,
    returning,
    installed,
    "last_updated": lastUpdated,
    virtual,
  };
  if (slots !== undefined) extra.slots = slots;
  if (address !== undefined) extra.address = address;
  if (postCode !== undefined) extra.post_code = postCode;
  if (rentalUris !== undefined) extra.rental_uris = rentalUris;
  return extra;
}

/**
 * The whole `extra` of a station of Lyft's shape (capacity and rental URIs,
 * classic bikes and e-bikes counted by type: the largest systems), in one
 * literal: added one by one, the counts grew a properties store a station.
 * Undefined for any other shape.
 */
function bikesExtra(
  information: Information,
  slot: number,
  flags: number,
  lastUpdated: number,
  normal: number,
  electric: number,
): Record<string, unknown> | undefined {
  const slots = information.capacities[slot];
  const rentalUris = information.rentalUris[slot];
  if (
    information.addresses[slot] !== undefined || information.postCodes[slot] !== undefined ||
    slots === undefined || rentalUris === undefined
  ) {
    return undefined;
  }
  return {
    uid: information.ids[slot]!,
    renting: (flags & RENTING) !== 0,
    returning: (flags & RETURNING) !== 0,
    installed: (flags & INSTALLED) !== 0,
    "last_updated": lastUpdated,
    virtual: information.virtual[slot] === 1,
    slots,
    "rental_uris": rentalUris,
    "normal_bikes": normal,
    ebikes: electric,
    "has_ebikes": true,
  };
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
 * Joins every station of station_status with its station_information
 * station, or throws the status' first bad station (`Status.invalid`).
 * `kinds` maps vehicle_type_id to its kind (empty when the feed lists no
 * vehicle_types); `feedSeconds` is the fallback when a station has no
 * `last_reported`. A repeated status id: the last one.
 */
export function joinStations(
  information: Information,
  status: Status,
  kinds: Kinds,
  feedSeconds: number,
): Joined {
  if (status.invalid !== undefined) throw status.invalid;
  const { idBytes, idEnds, values, typeIds, typeCounts } = status;
  // Each distinct type's kind, looked up once a scrape, not once an entry.
  const typeKinds = status.types.map((type) => kinds.get(type));
  const slots: (Station | undefined)[] = new Array(information.size);
  let orphans: Set<string> | undefined;
  let filled = 0;
  const infoIds = information.ids;
  const names = information.names;
  const coordinates = information.coordinates;
  const size = information.size;
  // Where the station after the last one found is: most feeds list both
  // documents in one order, and comparing that station's id is cheaper than
  // hashing a string just read to look it up.
  // The status ids are bytes (`_gbfs_status_ids.ts`): compared with the
  // information's ids' own bytes, a string made only for an orphan.
  let next = 0;
  for (let i = 0; i < status.count; i++) {
    const from = i === 0 ? 0 : idEnds[i - 1]!;
    const to = idEnds[i]!;
    const slot = next < size && information.sameIdAt(next, idBytes, from, to)
      ? next
      : information.slotOfBytes(idBytes, from, to);
    if (slot === -1) {
      (orphans ??= new Set()).add(statusId(status, i));
      continue;
    }
    next = slot + 1;
    const at = i * WIDTH;
    const reported = values[at + REPORTED]!;
    const reportedSeconds = Number.isNaN(reported) ? feedSeconds : reported;
    const flags = values[at + FLAGS]!;
    // One literal, then the station's optional fields, in pybikes' key order: a
    // copy of a per-station template (`{...template}`, then the status fields set)
    // cost 20 of the 50 scavenges of 70 live scrapes of 2,000 stations.
    const lastUpdated = smallInt(Math.floor(reportedSeconds));
    let extra: Record<string, unknown>;

    let freeBikes = smallInt(values[at + FREE]!);
    const typesFrom = values[at + TYPES_FROM]!;
    const ebike = values[at + EBIKE]!;
    const ebikes = values[at + EBIKES]!;
    if (typesFrom >= 0 && kinds.size > 0) {
      // vehicle_types_available is the finer count: when it can be read, it alone
      // decides (2.x Lyft feeds also send num_ebikes_available, the same bikes
      // again; adding both would count every e-bike twice). Summed in locals,
      // then set in one order: a fixed shape for every station.
      let normal: number | undefined;
      let electric: number | undefined;
      let cargo: number | undefined;
      let ecargo: number | undefined;
      let scooters: number | undefined;
      const typesTo = values[at + TYPES_TO]!;
      for (let j = typesFrom; j < typesTo; j++) {
        const kind = typeKinds[typeIds[j]!];
        const count = typeCounts[j]!;
        if (kind === "normal_bikes") normal = smallInt((normal ?? 0) + count);
        else if (kind === "ebikes") electric = smallInt((electric ?? 0) + count);
        else if (kind === "cargo") cargo = smallInt((cargo ?? 0) + count);
        else if (kind === "ecargo") ecargo = smallInt((ecargo ?? 0) + count);
        else if (kind === "scooters") scooters = smallInt((scooters ?? 0) + count);
      }
      const bikesOnly = normal !== undefined && electric !== undefined && cargo === undefined &&
        ecargo === undefined && scooters === undefined;
      const whole = bikesOnly
        ? bikesExtra(information, slot, flags, lastUpdated, normal!, electric!)
        : undefined;
      if (whole !== undefined) extra = whole;
      else {
        extra = extraOf(information, slot, flags, lastUpdated);
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
      }
      // Some feeds (Dott) report 0 bikes but fill vehicle_types_available.
      if (freeBikes === 0) freeBikes = (normal ?? 0) + (electric ?? 0);
    } else {
      extra = extraOf(information, slot, flags, lastUpdated);
      if (!Number.isNaN(ebike)) {
        // 1.x (Vélib'): `mechanical` + `ebike`, the same bikes as num_bikes_available.
        extra.ebikes = smallInt(ebike);
        extra.has_ebikes = true;
        const mechanical = values[at + MECHANICAL]!;
        if (!Number.isNaN(mechanical)) extra.normal_bikes = smallInt(mechanical);
      } else if (!Number.isNaN(ebikes)) {
        extra.ebikes = smallInt(ebikes);
        extra.has_ebikes = true;
      }
    }
    const docks = values[at + DOCKS]!;

    if (slots[slot] === undefined) filled++;
    slots[slot] = {
      id: infoIds[slot]!,
      name: names[slot]!,
      latitude: coordinates[2 * slot]!,
      longitude: coordinates[2 * slot + 1]!,
      "free_bikes": freeBikes,
      "empty_slots": Number.isNaN(docks) ? null : smallInt(docks),
      timestamp: isoTime(reportedSeconds),
      extra,
    };
  }
  // Every station found (most feeds): the slots are the stations, not copied.
  let stations = slots as Station[];
  if (filled < slots.length) {
    stations = new Array(filled);
    let n = 0;
    for (const station of slots) if (station !== undefined) stations[n++] = station;
  }
  const orphanIds = orphans === undefined ? [] : [...orphans];
  return { stations, statusSize: filled + orphanIds.length, orphans: orphanIds };
}

const DAY_MS = 86_400_000;
/** The last day formatted, `YYYY-MM-DDT`, as character codes: the stations of one scrape mostly share it. */
let lastDay = NaN;
const dayCodes: number[] = new Array(11).fill(0x30);

/**
 * The strings made last, by second (direct-mapped): the stations of a feed
 * mostly share a few `last_reported` seconds (a 2,000-station status has
 * dozens), and each string made is a string to collect.
 */
const ISO_SLOTS = 256;
const isoMs = new Float64Array(ISO_SLOTS).fill(NaN);
const isoText: string[] = new Array(ISO_SLOTS).fill("");

/**
 * `new Date(seconds * 1000).toISOString()`, the same string in a quarter of the
 * time (toISOString was a fifth of a 2,000-station scrape): the date part is
 * formatted once per day, the time from digits. Whole milliseconds of years
 * 1970–9999 only; anything else goes to Date. Made by one
 * `String.fromCharCode`: one flat string, where the template literal it
 * replaces left a tree of concatenations a station: 48 scavenges in 70 live
 * scrapes of 2,000 stations against 77, and 2 ms less CPU a scrape.
 */
export function isoTime(seconds: number): string {
  const ms = seconds * 1000;
  if (!Number.isInteger(ms) || ms < 0 || ms >= 253_402_300_800_000) {
    return new Date(ms).toISOString();
  }
  const slot = (ms / 1000) & (ISO_SLOTS - 1);
  if (isoMs[slot] === ms) return isoText[slot]!;
  const text = formatIso(ms);
  isoMs[slot] = ms;
  isoText[slot] = text;
  return text;
}

function formatIso(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  const d = dayCodes;
  if (day !== lastDay) {
    const prefix = new Date(day * DAY_MS).toISOString();
    for (let i = 0; i < 11; i++) d[i] = prefix.charCodeAt(i);
    lastDay = day;
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const whole = Math.floor(rest / 1000);
  const milli = rest - whole * 1000;
  return String.fromCharCode(
    d[0]!,
    d[1]!,
    d[2]!,
    d[3]!,
    d[4]!,
    d[5]!,
    d[6]!,
    d[7]!,
    d[8]!,
    d[9]!,
    d[10]!,
    0x30 + Math.floor(hours / 10),
    0x30 + (hours % 10),
    0x3a,
    0x30 + Math.floor(minutes / 10),
    0x30 + (minutes % 10),
    0x3a,
    0x30 + Math.floor(whole / 10),
    0x30 + (whole % 10),
    0x2e,
    0x30 + Math.floor(milli / 100),
    0x30 + (Math.floor(milli / 10) % 10),
    0x30 + (milli % 10),
    0x5a,
  );
}

/** A FeedError for a station document that does not list the stations it should. */
export function noStationsError(url: string, joined: Joined, information: Information): FeedError {
  return new FeedError(
    url,
    `no stations: station_status lists ${joined.statusSize}, station_information ${information.size}, none in both`,
  );
}
