/**
 * GBFS station_status, read into columns: per station its id and nine numbers
 * in one Float64Array, the `vehicle_types_available` counts in two flat lists.
 * Two readers make the same {@link Status}: {@link readStatus} from the parsed
 * document (every check of `_gbfs_fields.ts`, in the order the join made them),
 * and `_gbfs_status_scan.ts` straight from the body's text, which gives up
 * (and leaves the body to the first) on anything but a well-formed feed.
 *
 * Columns, not objects: an 800 KB station_status parsed by JSON.parse was ~3 ms
 * and most of a scrape's garbage; what the join needs is a few numbers a station.
 */
import { FeedError } from "./feed_error.ts";
import * as field from "./_gbfs_fields.ts";
import { stationList } from "./_gbfs_station.ts";
import { encodeIds, type StatusIds } from "./_gbfs_status_ids.ts";

/**
 * station_status as the join reads it. The station_id of each station (a
 * number id as its string) is in `idBytes` / `idEnds` (`_gbfs_status_ids.ts`).
 */
export interface Status extends StatusIds {
  /** Stations listed (a repeated id counts each time). */
  readonly count: number;
  /** {@link WIDTH} numbers a station, at `i * WIDTH + FREE` etc.; NaN where the field is absent or null. */
  readonly values: Float64Array;
  /**
   * The distinct vehicle_type_ids of `vehicle_types_available` (a number id as
   * its string), in the order first seen: a feed has a few, listed at every
   * station (as strings, 4,000 a 2,000-station scrape, each looked up by the
   * join in a Map).
   */
  readonly types: readonly string[];
  /** `vehicle_types_available` of every station, one after the other: the type (its index in `types`) and its count. */
  readonly typeIds: Int32Array;
  readonly typeCounts: Float64Array;
  /** The document's own `last_updated` (1.x Vélib': `lastUpdatedOther`), POSIX seconds. */
  readonly lastUpdated: number | undefined;
  /** 3.x counts vehicles (`num_vehicles_available`), earlier versions bikes. */
  readonly major: 1 | 2 | 3;
  /**
   * The first station that is not right: the join throws it, as it did when it
   * checked the stations itself (a bad station fails the scrape once every
   * document arrived, and a document already used is still "not modified").
   */
  readonly invalid?: FeedError;
}

/** `num_bikes_available` (`num_vehicles_available` in 3.x). */
export const FREE = 0;
export const DOCKS = 1;
export const EBIKES = 2;
/** `last_reported`, POSIX seconds. */
export const REPORTED = 3;
/** `num_bikes_available_types`' `mechanical` and `ebike` (1.x). */
export const MECHANICAL = 4;
export const EBIKE = 5;
/** {@link INSTALLED} | {@link RENTING} | {@link RETURNING}. */
export const FLAGS = 6;
/** Where the station's `vehicle_types_available` starts in typeIds (-1: absent) and ends. */
export const TYPES_FROM = 7;
export const TYPES_TO = 8;
export const WIDTH = 9;

export const INSTALLED = 1;
export const RENTING = 2;
export const RETURNING = 4;

const STATIONS = "data.stations";

/** Reads station_status from its parsed document: the document checked, then every station. */
export function readStatus(document: unknown, url: string, major: 1 | 2 | 3): Status {
  const raws = stationList(document, url);
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
  const columns: Columns = {
    ids: new Array<string>(raws.length),
    values: new Float64Array(raws.length * WIDTH),
    types: [],
    typeIndex: new Map(),
    typeIds: [],
    typeCounts: [],
  };
  let invalid: FeedError | undefined;
  try {
    for (let i = 0; i < raws.length; i++) readStation(raws[i], url, i, major, columns);
  } catch (error) {
    if (!(error instanceof FeedError)) throw error;
    invalid = error;
  }
  return {
    count: raws.length,
    ...encodeIds(columns.ids),
    values: columns.values,
    types: columns.types,
    typeIds: Int32Array.from(columns.typeIds),
    typeCounts: Float64Array.from(columns.typeCounts),
    lastUpdated: lastUpdated ?? (other as number | null) ?? undefined,
    major,
    ...(invalid === undefined ? {} : { invalid }),
  };
}

interface Columns {
  ids: string[];
  values: Float64Array;
  types: string[];
  /** Where each of `types` is in it. */
  typeIndex: Map<string, number>;
  typeIds: number[];
  typeCounts: number[];
}

function readStation(
  value: unknown,
  url: string,
  i: number,
  major: 1 | 2 | 3,
  columns: Columns,
): void {
  const raw = field.recordAt(value, url, STATIONS, i);
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
  const typesFrom = columns.typeIds.length;
  const byType = readTypesAvailable(raw.vehicle_types_available, url, i, columns);
  const byName = checkBikeTypeCounts(raw.num_bikes_available_types, url, i);
  const countField = major === 3 ? "num_vehicles_available" : "num_bikes_available";
  const free = field.number(raw[countField], url, STATIONS, i, countField);

  const values = columns.values;
  const at = i * WIDTH;
  columns.ids[i] = id;
  values[at + FREE] = free;
  values[at + DOCKS] = docks ?? NaN;
  values[at + EBIKES] = ebikes ?? NaN;
  values[at + REPORTED] = reported ?? NaN;
  values[at + MECHANICAL] = byName?.mechanical ?? NaN;
  values[at + EBIKE] = byName?.ebike ?? NaN;
  values[at + FLAGS] = (installed ? INSTALLED : 0) | (renting ? RENTING : 0) |
    (returning ? RETURNING : 0);
  values[at + TYPES_FROM] = byType ? typesFrom : -1;
  values[at + TYPES_TO] = columns.typeIds.length;
}

/** `vehicle_types_available`: a list of `{vehicle_type_id, count}`, checked and added to the columns; false when absent. */
function readTypesAvailable(value: unknown, url: string, index: number, columns: Columns): boolean {
  if (value == null) return false;
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
    const id = typeof typeId === "string" ? typeId : String(typeId);
    let type = columns.typeIndex.get(id);
    if (type === undefined) {
      type = columns.types.push(id) - 1;
      columns.typeIndex.set(id, type);
    }
    columns.typeIds.push(type);
    columns.typeCounts.push(count);
  }
  return true;
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
