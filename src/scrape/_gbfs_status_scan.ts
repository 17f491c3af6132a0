/**
 * station_status read straight from its bytes into the {@link Status} columns,
 * without JSON.parse: a 2,000-station body was ~3 ms of JSON.parse and the
 * garbage of every object in it, for the nine numbers a station the join uses.
 * (Measured on the bench's 2,000 stations: the scan 0.9 ms, JSON.parse ~3.)
 *
 * It reads only a well-formed feed (`_json_scan.ts`): anything it would have
 * to think about gives up with `undefined`, so that the document path
 * (JSON.parse, then `readStatus`) makes the result or the FeedError: a value
 * of a type the checks refuse, a missing field, a repeated key among those it
 * reads, an escape in a key (or in a string it keeps), nesting deeper than
 * MAX_DEPTH, a byte order mark, bytes that are not UTF-8.
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
import { sameId } from "./_gbfs_status_ids.ts";
import {
  copySpans,
  giveUp,
  isDigit,
  JsonScanner,
  type Key,
  matches,
  type Name,
  name,
  same,
  scanJson,
} from "./_json_scan.ts";

/** A Status and the document's `ttl` when it is a number (what gbfsTtl reads). */
export interface Scanned {
  document: Status;
  ttl: number | undefined;
}

/**
 * Reads a station_status body, or undefined when the document path must. The
 * station ids are kept as bytes (`_gbfs_status_ids.ts`): where each is in the
 * body is noted as it is read, and they are copied together at the end, from
 * bytes still in the cache. (Decoded, they were ~130 KB of strings a scrape,
 * read nowhere but where the join compared them.)
 */
export function scanStatusBytes(bytes: Uint8Array, major: 1 | 2 | 3): Scanned | undefined {
  return scanJson(bytes, (s, text) => new Scanner(s, text, major).document(), release);
}

/** Nothing to let go of: the lists kept between scans hold numbers only. */
function release(): void {}

/**
 * Where the `vehicle_types_available` entries of a scan are written (the
 * type's index in the scan's own table of distinct ids, and the count), kept
 * as {@link scratch} is: pushed to, the lists of a 2,000-station body were 170
 * KB of garbage a scan as they grew. What a scan returns is its own copy.
 */
let typeIdScratch = new Int32Array(256);
let typeCountScratch = new Float64Array(256);

/**
 * More distinct vehicle_type_ids than this in one body: the document path
 * reads it (each id is looked for in the table one by one; feeds have a few).
 */
const MOST_TYPES = 64;

const N_LAST_UPDATED = name("last_updated");
const N_LAST_UPDATED_OTHER = name("lastUpdatedOther");
const N_STATION_ID = name("station_id");
const N_IS_INSTALLED = name("is_installed");
const N_IS_RENTING = name("is_renting");
const N_IS_RETURNING = name("is_returning");
const N_LAST_REPORTED = name("last_reported");
const N_DOCKS = name("num_docks_available");
const N_EBIKES = name("num_ebikes_available");
const N_TYPES = name("vehicle_types_available");
const N_BIKE_TYPES = name("num_bikes_available_types");
const N_BIKES = name("num_bikes_available");
const N_VEHICLES = name("num_vehicles_available");
const N_VEHICLE_TYPE_ID = name("vehicle_type_id");
const N_COUNT = name("count");
const N_MECHANICAL = name("mechanical");
const N_EBIKE = name("ebike");

// Bits of the station fields seen (a repeated one gives up).
const STATION_ID = 1;
const IS_INSTALLED = 2;
const IS_RENTING = 4;
const IS_RETURNING = 8;
const COUNT = 16;
const REQUIRED = STATION_ID | IS_INSTALLED | IS_RENTING | IS_RETURNING | COUNT;
const LAST_REPORTED = 32;
const NUM_DOCKS = 64;
const NUM_EBIKES = 128;
const TYPES_AVAILABLE = 256;
const BIKE_TYPES = 512;

// vehicle_types_available entries: their kind of record, and their fields' bits.
const TYPE_ENTRY = 1;
const TYPE_ID = 1;
const TYPE_COUNT = 2;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Where the numbers are written as they come, kept from one scan to the next
 * (scans do not overlap: each is synchronous): grown to the largest feed once,
 * then only the status' own copy is made.
 */
let scratch = new Float64Array(256 * WIDTH);
/** Where each station's id is in the body: start and end, two numbers a station. */
let idSpanScratch = new Int32Array(256 * 2);

/** One body's scan: the columns it fills. */
class Scanner extends JsonScanner {
  readonly major: 1 | 2 | 3;
  readonly countName: Name;
  idSpans = idSpanScratch;
  values = scratch;
  typeIds = typeIdScratch;
  typeCounts = typeCountScratch;
  /** The distinct vehicle_type_ids, in the order first seen (`Status.types`). */
  types: string[] = [];
  stations = 0;
  /** Entries of vehicle_types_available read (of every station). */
  entries = 0;
  /** The keys of the station before, in its order. */
  order: Key[] = [];

  constructor(s: Uint8Array, text: string | undefined, major: 1 | 2 | 3) {
    super(s, text);
    this.major = major;
    this.countName = major === 3 ? N_VEHICLES : N_BIKES;
  }

  /** Never called: no string of station_status is kept for later. */
  put(): void {
    giveUp();
  }

  /** Never called: every number of station_status is checked as it is read. */
  putNumber(): void {
    giveUp();
  }

  /** POSIX seconds or an RFC 3339 date-time, or NaN for null (`field.optionalTime`). */
  optionalTime(): number {
    if (this.null()) return NaN;
    const c = this.s[this.p]!;
    if (c === 0x22) {
      const start = this.string();
      if (this.escaped) giveUp();
      const text = this.slice(start, this.p - 1);
      const ms = RFC3339.test(text) ? Date.parse(text) : NaN;
      if (Number.isNaN(ms)) giveUp();
      return ms / 1000;
    }
    if (!(c === 0x2d || isDigit(c))) giveUp();
    const value = this.number();
    if (!(Math.abs(value) < MAX_POSIX_S)) giveUp();
    return value;
  }

  /**
   * A vehicle_type_id (a string without escapes, or a finite number as its
   * string), as its index in {@link types}: read from the bytes alone, a
   * string id is told by its bytes against the ids seen (no string made but
   * for a new one).
   */
  typeIndex(): number {
    const types = this.types;
    if (this.s[this.p]! !== 0x22) return this.typeOf(String(this.count()));
    const start = this.string();
    if (this.escaped) giveUp();
    const end = this.p - 1;
    if (this.text !== undefined) return this.typeOf(this.slice(start, end));
    for (let k = 0; k < types.length; k++) if (sameId(types[k]!, this.s, start, end)) return k;
    return this.newType(this.slice(start, end));
  }

  /** The index of type `id` in {@link types}, added when new. */
  typeOf(id: string): number {
    const k = this.types.indexOf(id);
    return k === -1 ? this.newType(id) : k;
  }

  newType(id: string): number {
    if (this.types.length === MOST_TYPES) giveUp();
    return this.types.push(id) - 1;
  }

  lastUpdated = NaN;
  other = NaN;

  /**
   * The station id here, noted where `station` reads it: a string without
   * escapes as its span of the body; a number not plain (`1.5`, `-3`, `1e3`)
   * as its string (`String(n)`, as the document path reads it), kept in
   * {@link numberIds} and noted as `-1 - index` with its length.
   */
  stationId(at: number): void {
    if (this.s[this.p]! !== 0x22) {
      const text = String(this.count());
      this.idSpans[at] = -1 - this.numberIds.length;
      this.idSpans[at + 1] = text.length;
      this.numberIds.push(text);
      return;
    }
    const start = this.string();
    if (this.escaped) giveUp();
    this.idSpans[at] = start;
    this.idSpans[at + 1] = this.p - 1;
  }

  /** Station ids that are numbers not written plain (rare): their strings, ASCII. */
  numberIds: string[] = [];

  /** The ids' bytes, copied together, and where each ends. */
  idColumns(): { idBytes: Uint8Array; idEnds: Int32Array } {
    const spans = this.idSpans;
    const count = this.stations;
    const idEnds = new Int32Array(count);
    let end = 0;
    for (let i = 0; i < count; i++) {
      const start = spans[2 * i]!;
      idEnds[i] = end += start < 0 ? spans[2 * i + 1]! : spans[2 * i + 1]! - start;
    }
    const idBytes = new Uint8Array(end);
    if (this.numberIds.length === 0) {
      copySpans(this.view, this.s, spans, 0, 2 * count, 2, idBytes, new DataView(idBytes.buffer));
      return { idBytes, idEnds };
    }
    for (let i = 0; i < count; i++) {
      let at = i === 0 ? 0 : idEnds[i - 1]!;
      const start = spans[2 * i]!;
      if (start >= 0) idBytes.set(this.s.subarray(start, spans[2 * i + 1]!), at);
      else for (const c of this.numberIds[-1 - start]!) idBytes[at++] = c.charCodeAt(0);
    }
    return { idBytes, idEnds };
  }

  document(): Scanned {
    const ttl = this.stationsDocument();
    const lastUpdated = this.lastUpdated;
    const status: Status = {
      count: this.stations,
      ...this.idColumns(),
      values: this.values.slice(0, this.stations * WIDTH),
      types: this.types,
      typeIds: this.typeIds.slice(0, this.entries),
      typeCounts: this.typeCounts.slice(0, this.entries),
      lastUpdated: !Number.isNaN(lastUpdated)
        ? lastUpdated
        : !Number.isNaN(this.other)
        ? this.other
        : undefined,
      major: this.major,
    };
    return { document: status, ttl };
  }

  topLevel(): number {
    if (this.is(N_LAST_UPDATED)) {
      this.lastUpdated = this.optionalTime();
      return 4;
    }
    if (this.is(N_LAST_UPDATED_OTHER)) {
      if (!this.null()) {
        this.other = this.count();
        if (!(Math.abs(this.other) < MAX_POSIX_S)) giveUp();
      }
      return 8;
    }
    this.skip(1);
    return 0;
  }

  /**
   * Which field a station key of `length` bytes at `start` is (its bit), 0 for
   * one not read: by length and a byte first (literals, which compile to
   * constants), then every byte.
   */
  field(start: number, length: number, record: number): number {
    const s = this.s;
    if (record === TYPE_ENTRY) {
      if (length === 15) return same(s, start, N_VEHICLE_TYPE_ID) ? TYPE_ID : 0;
      return length === 5 && same(s, start, N_COUNT) ? TYPE_COUNT : 0;
    }
    const countName = this.countName;
    switch (length) {
      case 10:
        if (s[start] === 0x73) return same(s, start, N_STATION_ID) ? STATION_ID : 0;
        return same(s, start, N_IS_RENTING) ? IS_RENTING : 0;
      case 12:
        if (s[start + 3] === 0x69) return same(s, start, N_IS_INSTALLED) ? IS_INSTALLED : 0;
        return same(s, start, N_IS_RETURNING) ? IS_RETURNING : 0;
      case 13:
        return same(s, start, N_LAST_REPORTED) ? LAST_REPORTED : 0;
      case 19:
        if (s[start + 4] === 0x64) return same(s, start, N_DOCKS) ? NUM_DOCKS : 0;
        return length === countName.length && same(s, start, countName) ? COUNT : 0;
      case 20:
        return same(s, start, N_EBIKES) ? NUM_EBIKES : 0;
      case 22:
        return length === countName.length && same(s, start, countName) ? COUNT : 0;
      case 23:
        return same(s, start, N_TYPES) ? TYPES_AVAILABLE : 0;
      case 25:
        return same(s, start, N_BIKE_TYPES) ? BIKE_TYPES : 0;
    }
    return 0;
  }

  /**
   * One station. The hot loop of the scan (a dozen keys a station): the keys
   * and the commas between them are read here with a local position, the values
   * by the methods. The stations of a feed list their keys in one order: the
   * k-th key of the station before is tried first, here, one comparison where
   * a key is otherwise read (`orderedKey`), then told. All in one method on
   * purpose: the same loop shared with the station_information scanner, the
   * values read by a method of each, made this scan 9 % slower.
   */
  station(): void {
    const s = this.s;
    let p = this.p;
    if (s[p] !== 0x7b) giveUp();
    let c = s[++p];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
    if (c === 0x7d) giveUp();
    let values = this.values;
    const at = this.stations * WIDTH;
    if (values.length < at + WIDTH) {
      const grown = new Float64Array(values.length * 2);
      grown.set(values);
      this.values = values = scratch = grown;
    }
    values[at + FREE] = NaN;
    values[at + DOCKS] = NaN;
    values[at + EBIKES] = NaN;
    values[at + REPORTED] = NaN;
    values[at + MECHANICAL] = NaN;
    values[at + EBIKE] = NaN;
    values[at + TYPES_FROM] = -1;
    let idSpans = this.idSpans;
    const idAt = 2 * this.stations;
    if (idSpans.length < idAt + 2) {
      const grown = new Int32Array(idSpans.length * 2);
      grown.set(idSpans);
      this.idSpans = idSpans = idSpanScratch = grown;
    }
    let flags = 0;
    let seen = 0;
    const order = this.order;
    const view = this.view;
    let k = 0;
    while (true) {
      if (c !== 0x22) giveUp();
      const start = ++p;
      let bit: number;
      const expected = k < order.length ? order[k]! : undefined;
      if (expected !== undefined && matches(view, s, start, expected)) {
        p = start + expected.quoted.length - 1;
        bit = expected.field;
      } else {
        this.p = p - 1;
        bit = this.orderedKey(order, k);
        p = this.p;
        k = this.keyAt;
      }
      k++;
      c = s[++p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
      if (c !== 0x3a) giveUp();
      c = s[++p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
      // Most values are small integers: read here, with no call (`plain`, and `p` moved
      // past it); anything else is read by the methods, from `this.p`.
      let plain = false;
      let n = 0;
      const valueStart = p;
      if (c! >= 0x30 && c! <= 0x39) {
        let q = p;
        let d = c!;
        if (d === 0x30) d = s[++q]!;
        else {
          do {
            n = n * 10 + (d - 0x30);
            d = s[++q]!;
          } while (d >= 0x30 && d <= 0x39);
        }
        if (d !== 0x2e && d !== 0x65 && d !== 0x45 && q - p <= 15) {
          plain = true;
          p = q;
        } else n = 0;
      }
      this.p = p;
      switch (bit) {
        case 0:
          if (!plain) this.skip(4);
          break;
        case STATION_ID:
          // A plain number's digits are its string (no sign, point, exponent
          // nor leading zero, at most 15 digits): `String(n)`, as bytes.
          if (plain) {
            idSpans[idAt] = valueStart;
            idSpans[idAt + 1] = p;
          } else this.stationId(idAt);
          break;
        case IS_RENTING:
          if (plain ? n !== 0 : this.flag()) flags |= RENTING;
          break;
        case IS_INSTALLED:
          if (plain ? n !== 0 : this.flag()) flags |= INSTALLED;
          break;
        case IS_RETURNING:
          if (plain ? n !== 0 : this.flag()) flags |= RETURNING;
          break;
        case LAST_REPORTED:
          values[at + REPORTED] = plain ? (n < MAX_POSIX_S ? n : giveUp()) : this.optionalTime();
          break;
        case NUM_DOCKS:
          values[at + DOCKS] = plain ? n : this.optionalCount();
          break;
        case COUNT:
          values[at + FREE] = plain ? n : this.count();
          break;
        case NUM_EBIKES:
          values[at + EBIKES] = plain ? n : this.optionalCount();
          break;
        case TYPES_AVAILABLE:
          if (plain) giveUp();
          this.typesAvailable(at);
          break;
        case BIKE_TYPES:
          if (plain) giveUp();
          this.bikeTypeCounts(at);
          break;
      }
      if ((seen & bit) !== 0) giveUp();
      seen |= bit;
      p = this.p;
      c = s[p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
      if (c === 0x7d) break;
      if (c !== 0x2c) giveUp();
      c = s[++p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
    }
    this.p = p + 1;
    if ((seen & REQUIRED) !== REQUIRED) giveUp();
    values[at + FLAGS] = flags;
    values[at + TYPES_TO] = this.entries;
    this.stations++;
  }

  /** `vehicle_types_available`: null, or a list of `{vehicle_type_id, count}`. */
  typesAvailable(at: number): void {
    if (this.null()) return;
    this.values[at + TYPES_FROM] = this.entries;
    if (this.open(0x5b, 0x5d)) return;
    do {
      const both = TYPE_ID | TYPE_COUNT;
      if (!this.plainEntry() && (this.members(this.typeOrder, TYPE_ENTRY) & both) !== both) {
        giveUp();
      }
      const entry = this.entries++;
      if (entry === this.typeIds.length) {
        const ids = new Int32Array(entry * 2);
        ids.set(this.typeIds);
        this.typeIds = typeIdScratch = ids;
        const counts = new Float64Array(entry * 2);
        counts.set(this.typeCounts);
        this.typeCounts = typeCountScratch = counts;
      }
      this.typeIds[entry] = this.typeId;
      this.typeCounts[entry] = this.typeCount;
    } while (!this.next(0x5d));
  }

  /**
   * An entry written as the one before, with no space: `{"k1":v1,"k2":v2}`,
   * its two keys those of {@link typeOrder}, read here without the loop of
   * `members` (shared with the information scanner, it calls a method a
   * value: 4,000 entries a 2,000-station body, a ninth of a static scrape).
   * False, where it was, at anything else: `members` reads it.
   */
  plainEntry(): boolean {
    const order = this.typeOrder;
    if (order.length !== 2) return false;
    const s = this.s;
    const view = this.view;
    const start = this.p;
    let p = start;
    for (let k = 0; k < 2; k++) {
      const key = order[k]!;
      if (s[p] !== (k === 0 ? 0x7b : 0x2c) || s[p + 1] !== 0x22 || !matches(view, s, p + 2, key)) {
        this.p = start;
        return false;
      }
      p += 2 + key.quoted.length;
      const value = s[p + 1];
      if (s[p] !== 0x3a || value === 0x20 || value === 0x0a || value === 0x0d || value === 0x09) {
        this.p = start;
        return false;
      }
      this.p = p + 1;
      if (key.field === TYPE_ID) this.typeId = this.typeIndex();
      else if (key.field === TYPE_COUNT) this.typeCount = this.count();
      else {
        this.p = start;
        return false;
      }
      p = this.p;
    }
    if (s[p] !== 0x7d || order[0]!.field === order[1]!.field) {
      this.p = start;
      return false;
    }
    this.p = p + 1;
    return true;
  }

  /** The keys of the vehicle_types_available entry before, in its order. */
  typeOrder: Key[] = [];
  /** The entry being read: its type's index in {@link types}, and its count. */
  typeId = -1;
  typeCount = NaN;

  /** A member of a vehicle_types_available entry (the only record read by `members`). */
  member(field: number): void {
    if (field === TYPE_ID) this.typeId = this.typeIndex();
    else if (field === TYPE_COUNT) this.typeCount = this.count();
    else this.skip(6);
  }

  /** `num_bikes_available_types` (1.x): null, `{name: count}`, or a list of them; every count finite. */
  bikeTypeCounts(at: number): void {
    if (this.null()) return;
    this.values[at + MECHANICAL] = NaN;
    this.values[at + EBIKE] = NaN;
    if (this.s[this.p]! !== 0x5b) {
      this.bikeCounts(at);
      return;
    }
    if (this.open(0x5b, 0x5d)) return;
    do this.bikeCounts(at); while (!this.next(0x5d));
  }

  /** One `{name: count}` of {@link bikeTypeCounts}; a repeated name: the last one. */
  bikeCounts(at: number): void {
    if (this.open(0x7b, 0x7d)) return;
    do {
      this.key();
      const value = this.count();
      if (this.is(N_MECHANICAL)) this.values[at + MECHANICAL] = value;
      else if (this.is(N_EBIKE)) this.values[at + EBIKE] = value;
    } while (!this.next(0x7d));
  }
}
