/**
 * station_status read straight from its text into the {@link Status} columns,
 * without JSON.parse: a 2,000-station body was ~3 ms of JSON.parse and the
 * garbage of every object in it, for the nine numbers a station the join uses.
 *
 * It reads only a well-formed feed: the whole body is checked against the JSON
 * grammar (every value it does not use included), and anything it would have
 * to think about gives up with `undefined`, so that the document path
 * (JSON.parse, then `readStatus`) makes the result or the FeedError: a value
 * of a type the checks refuse, a missing field, a repeated key among those it
 * reads, an escape in a key (or in a string it keeps), nesting deeper than
 * {@link MAX_DEPTH}, a byte order mark, bytes that are not UTF-8.
 */
import { MAX_POSIX_S } from "./_gbfs_fields.ts";
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

/** A Status and the document's `ttl` when it is a number (what gbfsTtl reads). */
export interface Scanned {
  document: Status;
  ttl: number | undefined;
}

/** Deeper than this the document path decides (JSON.parse has no such limit). */
const MAX_DEPTH = 64;

/** Thrown to give up; caught in {@link scanStatus} only. */
const GIVE_UP = new Error("not a plain station_status");

const utf8 = new TextDecoder("utf-8");

// The scanner's state: one body at a time, synchronously.
let s = "";
let p = 0;
/** Set by {@link string} when the string it read holds an escape. */
let escaped = false;

/** Reads a station_status body, or undefined when the document path must. */
export function scanStatusBytes(bytes: Uint8Array, major: 1 | 2 | 3): Scanned | undefined {
  // A BOM: TextDecoder drops it; leave that to the document path.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined;
  const text = utf8.decode(bytes);
  // Invalid bytes (or a real U+FFFD, rare enough to read the slow way).
  if (text.includes("\uFFFD")) return undefined;
  return scanStatus(text, major);
}

/** Reads the text of a station_status body, or undefined when the document path must. */
export function scanStatus(text: string, major: 1 | 2 | 3): Scanned | undefined {
  s = text;
  p = 0;
  try {
    return document(major);
  } catch (error) {
    if (error === GIVE_UP || error instanceof RangeError) return undefined;
    throw error;
  } finally {
    s = "";
  }
}

function giveUp(): never {
  throw GIVE_UP;
}

/** Skips JSON whitespace. */
function ws(): void {
  while (true) {
    const c = s.charCodeAt(p);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
    else return;
  }
}

function expect(c: number): void {
  if (s.charCodeAt(p) !== c) giveUp();
  p++;
}

/**
 * Reads a string from its opening quote; returns where its content starts
 * (it ends at `p - 1`). Sets {@link escaped}.
 */
function string(): number {
  p++;
  const start = p;
  escaped = false;
  while (true) {
    const c = s.charCodeAt(p);
    if (c === 0x22) break;
    if (c === 0x5c) {
      escaped = true;
      const e = s.charCodeAt(p + 1);
      if (e === 0x75) {
        for (let k = p + 2; k < p + 6; k++) if (!isHex(s.charCodeAt(k))) giveUp();
        p += 6;
      } else if (
        e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e ||
        e === 0x72 || e === 0x74
      ) {
        p += 2;
      } else giveUp();
      continue;
    }
    // Control characters must be escaped; NaN is the end of the text.
    if (!(c >= 0x20)) giveUp();
    p++;
  }
  p++;
  return start;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Reads a number (JSON's grammar), as JSON.parse would give it. */
function number(): number {
  const start = p;
  let negative = false;
  if (s.charCodeAt(p) === 0x2d) {
    negative = true;
    p++;
  }
  let c = s.charCodeAt(p);
  if (c === 0x30) {
    c = s.charCodeAt(++p);
    if (c !== 0x2e && c !== 0x65 && c !== 0x45) return negative ? -0 : 0;
  } else if (c >= 0x31 && c <= 0x39) {
    let value = 0;
    do {
      value = value * 10 + (c - 0x30);
      c = s.charCodeAt(++p);
    } while (isDigit(c));
    // A plain integer of at most 15 digits is exact as summed.
    if (c !== 0x2e && c !== 0x65 && c !== 0x45 && p - start <= 15) {
      return negative ? -value : value;
    }
  } else giveUp();
  if (c === 0x2e) {
    p++;
    if (!isDigit(s.charCodeAt(p))) giveUp();
    while (isDigit(s.charCodeAt(p))) p++;
    c = s.charCodeAt(p);
  }
  if (c === 0x65 || c === 0x45) {
    p++;
    c = s.charCodeAt(p);
    if (c === 0x2b || c === 0x2d) p++;
    if (!isDigit(s.charCodeAt(p))) giveUp();
    while (isDigit(s.charCodeAt(p))) p++;
  }
  // "-0" is -0, as JSON.parse has it; the rest as the same correctly rounded conversion.
  return Number(s.slice(start, p));
}

/** Reads `true`, `false` or `null` (whichever `c` starts), returns it. */
function literal(c: number): boolean | null {
  if (c === 0x74 && s.startsWith("true", p)) {
    p += 4;
    return true;
  }
  if (c === 0x66 && s.startsWith("false", p)) {
    p += 5;
    return false;
  }
  if (c === 0x6e && s.startsWith("null", p)) {
    p += 4;
    return null;
  }
  return giveUp();
}

/** Skips any value, checking its grammar. */
function skip(depth: number): void {
  const c = s.charCodeAt(p);
  if (c === 0x22) string();
  else if (c === 0x2d || isDigit(c)) number();
  else if (c === 0x7b) {
    if (depth >= MAX_DEPTH) giveUp();
    p++;
    ws();
    if (s.charCodeAt(p) === 0x7d) {
      p++;
      return;
    }
    while (true) {
      if (s.charCodeAt(p) !== 0x22) giveUp();
      string();
      ws();
      expect(0x3a);
      ws();
      skip(depth + 1);
      ws();
      const next = s.charCodeAt(p++);
      if (next === 0x7d) return;
      if (next !== 0x2c) giveUp();
      ws();
    }
  } else if (c === 0x5b) {
    if (depth >= MAX_DEPTH) giveUp();
    p++;
    ws();
    if (s.charCodeAt(p) === 0x5d) {
      p++;
      return;
    }
    while (true) {
      skip(depth + 1);
      ws();
      const next = s.charCodeAt(p++);
      if (next === 0x5d) return;
      if (next !== 0x2c) giveUp();
      ws();
    }
  } else literal(c);
}

/**
 * Reads a key and the colon after it; returns where the key starts (it ends at
 * `keyEnd`). A key with an escape could spell one we read: give up.
 */
let keyEnd = 0;
function key(): number {
  if (s.charCodeAt(p) !== 0x22) giveUp();
  const start = string();
  if (escaped) giveUp();
  keyEnd = p - 1;
  ws();
  expect(0x3a);
  ws();
  return start;
}

function is(start: number, name: string): boolean {
  return keyEnd - start === name.length && s.startsWith(name, start);
}

/** After a member: true at the object's (or array's) end, false after a comma. */
function next(close: number): boolean {
  ws();
  const c = s.charCodeAt(p++);
  if (c === close) return true;
  if (c !== 0x2c) giveUp();
  ws();
  return false;
}

/** Opens an object or an array; true when it is empty (and closed). */
function open(c: number, close: number): boolean {
  expect(c);
  ws();
  if (s.charCodeAt(p) !== close) return false;
  p++;
  return true;
}

/** A finite number, or NaN for null. */
function optionalCount(): number {
  const c = s.charCodeAt(p);
  if (c === 0x6e) {
    literal(c);
    return NaN;
  }
  return count();
}

function count(): number {
  const c = s.charCodeAt(p);
  if (!(c === 0x2d || isDigit(c))) giveUp();
  const value = number();
  if (!Number.isFinite(value)) giveUp();
  return value;
}

/** POSIX seconds or an RFC 3339 date-time, or NaN for null (`field.optionalTime`). */
function optionalTime(): number {
  const c = s.charCodeAt(p);
  if (c === 0x6e) {
    literal(c);
    return NaN;
  }
  if (c === 0x22) {
    const start = string();
    if (escaped) giveUp();
    const text = s.slice(start, p - 1);
    const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(ms)) giveUp();
    return ms / 1000;
  }
  if (!(c === 0x2d || isDigit(c))) giveUp();
  const value = number();
  if (!(Math.abs(value) < MAX_POSIX_S)) giveUp();
  return value;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An id: a string without escapes, or a finite number as its string. */
function id(): string {
  const c = s.charCodeAt(p);
  if (c === 0x22) {
    const start = string();
    if (escaped) giveUp();
    return s.slice(start, p - 1);
  }
  return String(count());
}

/** `true`/`false`, or a number (0 is false). */
function flag(): boolean {
  const c = s.charCodeAt(p);
  if (c === 0x2d || isDigit(c)) return number() !== 0;
  const value = literal(c);
  if (value === null) giveUp();
  return value;
}

// The columns being filled, grown as stations come.
let ids: string[] = [];
let values = new Float64Array(0);
let typeIds: string[] = [];
let typeCounts: number[] = [];
let stations = 0;

function document(major: 1 | 2 | 3): Scanned {
  ws();
  if (open(0x7b, 0x7d)) giveUp();
  let lastUpdated = NaN;
  let other = NaN;
  let ttl: number | undefined;
  let seen = 0;
  ids = [];
  values = new Float64Array(256 * WIDTH);
  typeIds = [];
  typeCounts = [];
  stations = 0;
  do {
    const start = key();
    let bit = 0;
    if (is(start, "data")) {
      bit = 1;
      data(major);
    } else if (is(start, "last_updated")) {
      bit = 2;
      lastUpdated = optionalTime();
    } else if (is(start, "lastUpdatedOther")) {
      bit = 4;
      const c = s.charCodeAt(p);
      if (c === 0x6e) literal(c);
      else {
        other = count();
        if (!(Math.abs(other) < MAX_POSIX_S)) giveUp();
      }
    } else if (is(start, "ttl")) {
      bit = 8;
      const c = s.charCodeAt(p);
      if (c === 0x2d || isDigit(c)) ttl = number();
      else skip(1);
    } else skip(1);
    if ((seen & bit) !== 0) giveUp();
    seen |= bit;
  } while (!next(0x7d));
  ws();
  if (p !== s.length || (seen & 1) === 0) giveUp();
  const status: Status = {
    count: stations,
    ids,
    values: values.slice(0, stations * WIDTH),
    typeIds,
    typeCounts,
    lastUpdated: !Number.isNaN(lastUpdated)
      ? lastUpdated
      : !Number.isNaN(other)
      ? other
      : undefined,
    major,
  };
  ids = [];
  typeIds = [];
  typeCounts = [];
  return { document: status, ttl };
}

function data(major: 1 | 2 | 3): void {
  if (open(0x7b, 0x7d)) giveUp();
  let found = false;
  do {
    const start = key();
    if (is(start, "stations")) {
      if (found) giveUp();
      found = true;
      if (!open(0x5b, 0x5d)) {
        do station(major); while (!next(0x5d));
      }
    } else skip(2);
  } while (!next(0x7d));
  if (!found) giveUp();
}

// Bits of the station fields seen (a repeated one gives up).
const STATION_ID = 1;
const IS_INSTALLED = 2;
const IS_RENTING = 4;
const IS_RETURNING = 8;
const COUNT = 16;
const REQUIRED = STATION_ID | IS_INSTALLED | IS_RENTING | IS_RETURNING | COUNT;

function station(major: 1 | 2 | 3): void {
  if (open(0x7b, 0x7d)) giveUp();
  const countName = major === 3 ? "num_vehicles_available" : "num_bikes_available";
  if (values.length < (stations + 1) * WIDTH) {
    const grown = new Float64Array(values.length * 2);
    grown.set(values);
    values = grown;
  }
  const at = stations * WIDTH;
  values[at + FREE] = NaN;
  values[at + DOCKS] = NaN;
  values[at + EBIKES] = NaN;
  values[at + REPORTED] = NaN;
  values[at + MECHANICAL] = NaN;
  values[at + EBIKE] = NaN;
  values[at + TYPES_FROM] = -1;
  let flags = 0;
  let seen = 0;
  let stationId = "";
  do {
    const start = key();
    // Bits above REQUIRED's: the optional fields.
    let bit = 0;
    switch (keyEnd - start) {
      case 10:
        if (is(start, "station_id")) {
          bit = STATION_ID;
          stationId = id();
        } else if (is(start, "is_renting")) {
          bit = IS_RENTING;
          if (flag()) flags |= RENTING;
        }
        break;
      case 12:
        if (is(start, "is_installed")) {
          bit = IS_INSTALLED;
          if (flag()) flags |= INSTALLED;
        } else if (is(start, "is_returning")) {
          bit = IS_RETURNING;
          if (flag()) flags |= RETURNING;
        }
        break;
      case 13:
        if (is(start, "last_reported")) {
          bit = 32;
          values[at + REPORTED] = optionalTime();
        }
        break;
      case 19:
        if (is(start, "num_docks_available")) {
          bit = 64;
          values[at + DOCKS] = optionalCount();
        }
        break;
      case 20:
        if (is(start, "num_ebikes_available")) {
          bit = 128;
          values[at + EBIKES] = optionalCount();
        }
        break;
      case 23:
        if (is(start, "vehicle_types_available")) {
          bit = 256;
          typesAvailable(at);
        }
        break;
      case 25:
        if (is(start, "num_bikes_available_types")) {
          bit = 512;
          bikeTypeCounts(at);
        }
        break;
    }
    if (bit === 0) {
      if (is(start, countName)) {
        bit = COUNT;
        values[at + FREE] = count();
      } else skip(4);
    }
    if ((seen & bit) !== 0) giveUp();
    seen |= bit;
  } while (!next(0x7d));
  if ((seen & REQUIRED) !== REQUIRED) giveUp();
  values[at + FLAGS] = flags;
  values[at + TYPES_TO] = typeIds.length;
  ids.push(stationId);
  stations++;
}

/** `vehicle_types_available`: null, or a list of `{vehicle_type_id, count}`. */
function typesAvailable(at: number): void {
  const c = s.charCodeAt(p);
  if (c === 0x6e) {
    literal(c);
    return;
  }
  values[at + TYPES_FROM] = typeIds.length;
  if (!open(0x5b, 0x5d)) {
    do {
      if (open(0x7b, 0x7d)) giveUp();
      let typeId: string | undefined;
      let typeCount = NaN;
      do {
        const start = key();
        if (is(start, "vehicle_type_id")) {
          if (typeId !== undefined) giveUp();
          typeId = id();
        } else if (is(start, "count")) {
          if (!Number.isNaN(typeCount)) giveUp();
          typeCount = count();
        } else skip(6);
      } while (!next(0x7d));
      if (typeId === undefined || Number.isNaN(typeCount)) giveUp();
      typeIds.push(typeId);
      typeCounts.push(typeCount);
    } while (!next(0x5d));
  }
}

/** `num_bikes_available_types` (1.x): null, `{name: count}`, or a list of them; every count finite. */
function bikeTypeCounts(at: number): void {
  const c = s.charCodeAt(p);
  if (c === 0x6e) {
    literal(c);
    return;
  }
  let mechanical = NaN;
  let ebike = NaN;
  const counts = () => {
    if (open(0x7b, 0x7d)) return;
    do {
      const start = key();
      const value = count();
      if (is(start, "mechanical")) mechanical = value;
      else if (is(start, "ebike")) ebike = value;
    } while (!next(0x7d));
  };
  if (c === 0x5b) {
    if (!open(0x5b, 0x5d)) {
      do counts(); while (!next(0x5d));
    }
  } else counts();
  values[at + MECHANICAL] = mechanical;
  values[at + EBIKE] = ebike;
}
