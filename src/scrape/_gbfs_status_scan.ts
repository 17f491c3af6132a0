/**
 * station_status read straight from its bytes into the {@link Status} columns,
 * without JSON.parse: a 2,000-station body was ~3 ms of JSON.parse and the
 * garbage of every object in it, for the nine numbers a station the join uses.
 * (Measured, the scan is ~2.2–2.6 ms against JSON.parse's ~3: V8's parser is
 * hard to beat from JavaScript; what it saves is mostly the garbage.)
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

function giveUp(): never {
  throw GIVE_UP;
}

const utf8 = new TextDecoder("utf-8");

/**
 * Reads a station_status body, or undefined when the document path must. The
 * scan is over the bytes: indexing a Uint8Array is four times faster than
 * `charCodeAt` on the decoded text (0.5 against 1.9 ms to touch 800 KB), which
 * made a scanner of the text slower than JSON.parse.
 *
 * A body that is ASCII (every feed seen) is read from its bytes alone: ASCII
 * is UTF-8, and the ids are decoded together at the end, from bytes still in
 * the cache. The text of the whole body, which the ids were cut from, was an
 * 800 KB string a scrape, allocated in V8's old space and kept by the ids
 * until the next one (mark-compacts), and read nowhere but where the join
 * compared an id (a cache miss a station). At the first byte that is not
 * ASCII the scan starts again on the decoded text, which proves the bytes UTF-8.
 */
export function scanStatusBytes(bytes: Uint8Array, major: 1 | 2 | 3): Scanned | undefined {
  try {
    try {
      return new Scanner(bytes, undefined, major).document();
    } catch (error) {
      if (error !== NOT_ASCII) throw error;
    }
    // A BOM: TextDecoder drops it; leave that to the document path.
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined;
    const text = utf8.decode(bytes);
    // Invalid bytes (or a real U+FFFD, rare enough to read the slow way).
    if (text.includes("\uFFFD")) return undefined;
    return new Scanner(bytes, text, major).document();
  } catch (error) {
    if (error === GIVE_UP || error instanceof RangeError) return undefined;
    throw error;
  } finally {
    idScratch.fill("");
    typeIdScratch.fill("");
  }
}

/**
 * Where the ids of a scan of the bytes alone are until they are decoded: start,
 * end, and index in `ids` (or `-1 - index` in `typeIds`); kept from one scan to
 * the next, as {@link scratch} is.
 */
let deferred = new Int32Array(256 * 3);
/**
 * Where the lists of a scan are written, kept as {@link scratch} is: pushed
 * to, the lists of a 2,000-station body were 170 KB of garbage a scan as they
 * grew. What a scan returns is its own copy; the strings are let go after it.
 */
const idScratch: string[] = [];
const typeIdScratch: string[] = [];
const typeCountScratch: number[] = [];

/** Where their bytes are copied together to be decoded. */
let joined = new Uint8Array(4096);

/** Thrown by a scan of the bytes alone at a byte that is not ASCII: the text must be decoded. */
const NOT_ASCII = new Error("not ASCII");

/** A key's bytes, to tell it when it comes. */
type Name = Uint8Array;

const encoder = new TextEncoder();
const name = (text: string): Name => encoder.encode(text);

const N_DATA = name("data");
const N_LAST_UPDATED = name("last_updated");
const N_LAST_UPDATED_OTHER = name("lastUpdatedOther");
const N_TTL = name("ttl");
const N_STATIONS = name("stations");
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

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** The key at `start` (as long as `name`, which the caller made sure of) is `name`. */
function same(s: Uint8Array, start: number, name: Name): boolean {
  for (let i = 0; i < name.length; i++) if (s[start + i] !== name[i]) return false;
  return true;
}

/**
 * A key of a station as it was seen, with its closing quote (a key is
 * tried where the station before had it), and the field it is (0: not read).
 */
interface Key {
  readonly quoted: Uint8Array;
  /** The first whole four bytes of `quoted`, little-endian. */
  readonly words: Int32Array;
  readonly field: number;
}

function keyOf(quoted: Uint8Array, field: number): Key {
  const words = new Int32Array(quoted.length >> 2);
  const view = new DataView(quoted.buffer, quoted.byteOffset, quoted.byteLength);
  for (let i = 0; i < words.length; i++) words[i] = view.getInt32(i * 4, true);
  return { quoted, words, field };
}

/**
 * The bytes at `start` are `key` and its closing quote, so exactly that key:
 * a key once read holds no quote, backslash nor control byte. Four bytes at a
 * time: keys are most of a station's bytes.
 */
function matches(view: DataView, s: Uint8Array, start: number, key: Key): boolean {
  const quoted = key.quoted;
  if (start + quoted.length > s.length) return false;
  const words = key.words;
  for (let i = 0; i < words.length; i++) {
    if (view.getInt32(start + i * 4, true) !== words[i]) return false;
  }
  for (let i = words.length * 4; i < quoted.length; i++) {
    if (s[start + i] !== quoted[i]) return false;
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Where the numbers are written as they come, kept from one scan to the next
 * (scans do not overlap: each is synchronous): grown to the largest feed once,
 * then only the status' own copy is made.
 */
let scratch = new Float64Array(256 * WIDTH);

/** One body's scan: the text, where it is, and the columns it fills. */
class Scanner {
  readonly s: Uint8Array;
  /** The same bytes, read four at a time where keys are compared. */
  readonly view: DataView;
  /** Undefined: the bytes alone are read (and must be ASCII). */
  readonly text: string | undefined;
  readonly ascii: boolean;
  p = 0;
  /** Set by {@link string} when the string it read holds an escape. */
  escaped = false;
  /** Where the last key read by {@link key} starts and ends. */
  keyStart = 0;
  keyEnd = 0;
  readonly major: 1 | 2 | 3;
  readonly countName: Name;
  ids = idScratch;
  values = scratch;
  typeIds = typeIdScratch;
  typeCounts = typeCountScratch;
  stations = 0;
  /** Entries of vehicle_types_available read (of every station). */
  types = 0;
  /** How much of {@link deferred} this scan has written. */
  pending = 0;
  /** The keys of the station before, in its order. */
  order: Key[] = [];

  constructor(s: Uint8Array, text: string | undefined, major: 1 | 2 | 3) {
    this.s = s;
    this.view = new DataView(s.buffer, s.byteOffset, s.byteLength);
    this.text = text;
    // One byte a character: the text is cut where the bytes say.
    this.ascii = text === undefined || text.length === s.length;
    this.major = major;
    this.countName = major === 3 ? N_VEHICLES : N_BIKES;
  }

  /** The text of bytes `start` to `end` (no escapes in them). */
  slice(start: number, end: number): string {
    const text = this.text;
    if (text === undefined) return String.fromCharCode(...this.s.subarray(start, end));
    return this.ascii ? text.slice(start, end) : utf8.decode(this.s.subarray(start, end));
  }

  /**
   * A byte of a string or key that is a control character or a backslash (give
   * up), or not ASCII (read on the text, or start again with it).
   */
  unusual(c: number | undefined): void {
    if (c === undefined || c < 0x80) giveUp();
    if (this.text === undefined) throw NOT_ASCII;
  }

  /** Skips JSON whitespace. */
  ws(): void {
    const s = this.s;
    let p = this.p;
    let c = s[p]!;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p]!;
    this.p = p;
  }

  expect(c: number): void {
    if (this.s[this.p]! !== c) giveUp();
    this.p++;
  }

  /**
   * Reads a string from its opening quote; returns where its content starts
   * (it ends at `p - 1`). Sets {@link escaped}.
   */
  string(): number {
    const s = this.s;
    let p = this.p + 1;
    const start = p;
    let escaped = false;
    let c = s[p]!;
    while (c !== 0x22) {
      if (c === 0x5c) {
        escaped = true;
        p = this.escape(p);
      } else if (c >= 0x20 && c < 0x80) p++;
      else {
        // Control characters must be escaped; undefined is the end of the text.
        this.unusual(c);
        p++;
      }
      c = s[p]!;
    }
    this.p = p + 1;
    this.escaped = escaped;
    return start;
  }

  /** Checks the escape at `p` (a backslash); returns where it ends. */
  escape(p: number): number {
    const s = this.s;
    const e = s[p + 1]!;
    if (e === 0x75) {
      for (let k = p + 2; k < p + 6; k++) if (!isHex(s[k]!)) giveUp();
      return p + 6;
    }
    if (
      e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e ||
      e === 0x72 || e === 0x74
    ) {
      return p + 2;
    }
    return giveUp();
  }

  /**
   * Reads a key and the colon after it; returns its length in bytes. A key
   * with an escape could spell one we read: give up.
   */
  key(): number {
    const s = this.s;
    let p = this.p;
    if (s[p] !== 0x22) giveUp();
    const start = ++p;
    let c = s[p]!;
    while (c !== 0x22) {
      if (!(c >= 0x20 && c < 0x80) || c === 0x5c) this.unusual(c === 0x5c ? 0 : c);
      c = s[++p]!;
    }
    this.keyStart = start;
    this.keyEnd = p;
    const length = p - start;
    c = s[++p]!;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p]!;
    if (c !== 0x3a) giveUp();
    c = s[++p]!;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p]!;
    this.p = p;
    return length;
  }

  /** The last key is `name`. */
  is(bytes: Name): boolean {
    const start = this.keyStart;
    if (this.keyEnd - start !== bytes.length) return false;
    const s = this.s;
    for (let i = 0; i < bytes.length; i++) if (s[start + i] !== bytes[i]) return false;
    return true;
  }

  /** After a member: true at the object's (or array's) end, false after a comma. */
  next(close: number): boolean {
    this.ws();
    const c = this.s[this.p++]!;
    if (c === close) return true;
    if (c !== 0x2c) giveUp();
    this.ws();
    return false;
  }

  /** Opens an object or an array; true when it is empty (and closed). */
  open(c: number, close: number): boolean {
    this.expect(c);
    this.ws();
    if (this.s[this.p]! !== close) return false;
    this.p++;
    return true;
  }

  /** Reads a number (JSON's grammar), as JSON.parse would give it. */
  number(): number {
    const s = this.s;
    const start = this.p;
    let p = start;
    let negative = false;
    if (s[p]! === 0x2d) {
      negative = true;
      p++;
    }
    let c = s[p]!;
    if (c === 0x30) {
      c = s[++p]!;
      if (c !== 0x2e && c !== 0x65 && c !== 0x45) {
        this.p = p;
        return negative ? -0 : 0;
      }
    } else if (c >= 0x31 && c <= 0x39) {
      let value = 0;
      do {
        value = value * 10 + (c - 0x30);
        c = s[++p]!;
      } while (isDigit(c));
      // A plain integer of at most 15 digits is exact as summed.
      if (c !== 0x2e && c !== 0x65 && c !== 0x45 && p - start <= 15) {
        this.p = p;
        return negative ? -value : value;
      }
    } else giveUp();
    if (c === 0x2e) {
      p++;
      if (!isDigit(s[p]!)) giveUp();
      while (isDigit(s[p]!)) p++;
      c = s[p]!;
    }
    if (c === 0x65 || c === 0x45) {
      p++;
      c = s[p]!;
      if (c === 0x2b || c === 0x2d) p++;
      if (!isDigit(s[p]!)) giveUp();
      while (isDigit(s[p]!)) p++;
    }
    this.p = p;
    // The same correctly rounded conversion as JSON.parse's.
    return Number(this.slice(start, p));
  }

  /** Reads `true`, `false` or `null` (whichever `c` starts), returns it. */
  literal(c: number): boolean | null {
    const s = this.s;
    const p = this.p;
    if (c === 0x74 && s[p + 1] === 0x72 && s[p + 2] === 0x75 && s[p + 3] === 0x65) {
      this.p = p + 4;
      return true;
    }
    if (
      c === 0x66 && s[p + 1] === 0x61 && s[p + 2] === 0x6c && s[p + 3] === 0x73 && s[p + 4] === 0x65
    ) {
      this.p = p + 5;
      return false;
    }
    if (c === 0x6e && s[p + 1] === 0x75 && s[p + 2] === 0x6c && s[p + 3] === 0x6c) {
      this.p = p + 4;
      return null;
    }
    return giveUp();
  }

  /** Skips any value, checking its grammar. */
  skip(depth: number): void {
    const c = this.s[this.p]!;
    if (c === 0x22) this.string();
    else if (c === 0x2d || isDigit(c)) this.number();
    else if (c === 0x7b) {
      if (depth >= MAX_DEPTH) giveUp();
      if (this.open(0x7b, 0x7d)) return;
      do {
        if (this.s[this.p]! !== 0x22) giveUp();
        this.string();
        this.ws();
        this.expect(0x3a);
        this.ws();
        this.skip(depth + 1);
      } while (!this.next(0x7d));
    } else if (c === 0x5b) {
      if (depth >= MAX_DEPTH) giveUp();
      if (this.open(0x5b, 0x5d)) return;
      do this.skip(depth + 1); while (!this.next(0x5d));
    } else this.literal(c);
  }

  /** True (and past it) when the value here is `null`. */
  null(): boolean {
    if (this.s[this.p]! !== 0x6e) return false;
    this.literal(0x6e);
    return true;
  }

  /** A finite number. */
  count(): number {
    const c = this.s[this.p]!;
    if (!(c === 0x2d || isDigit(c))) giveUp();
    const value = this.number();
    if (!Number.isFinite(value)) giveUp();
    return value;
  }

  /** A finite number, or NaN for null. */
  optionalCount(): number {
    return this.null() ? NaN : this.count();
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
   * An id: a string without escapes, or a finite number as its string. Read
   * from the bytes alone, a string id of more than one byte is "" until
   * {@link decodeIds}, which puts it at `index` (see {@link deferred}).
   */
  id(index: number): string {
    const s = this.s;
    if (s[this.p]! === 0x22) {
      const start = this.string();
      if (this.escaped) giveUp();
      const end = this.p - 1;
      if (this.text !== undefined) return this.slice(start, end);
      if (end - start === 1) return String.fromCharCode(s[start]!);
      let at = this.pending;
      if (at + 3 > deferred.length) {
        const grown = new Int32Array(deferred.length * 2);
        grown.set(deferred);
        deferred = grown;
      }
      deferred[at++] = start;
      deferred[at++] = end;
      deferred[at++] = index;
      this.pending = at;
      return "";
    }
    return String(this.count());
  }

  /**
   * The string ids of a scan of the bytes alone, decoded at once: their bytes
   * copied together, one decoding, then cut. Their bytes are still in the
   * cache, where the text of the whole body was not (comparing an id cut from
   * it cost a cache miss in the join).
   */
  decodeIds(): void {
    const s = this.s;
    const n = this.pending;
    let total = 0;
    for (let i = 0; i < n; i += 3) total += deferred[i + 1]! - deferred[i]!;
    if (total === 0) return;
    if (joined.length < total) joined = new Uint8Array(Math.max(total, joined.length * 2));
    let to = 0;
    for (let i = 0; i < n; i += 3) {
      for (let b = deferred[i]!, end = deferred[i + 1]!; b < end; b++) joined[to++] = s[b]!;
    }
    const text = utf8.decode(joined.subarray(0, total));
    to = 0;
    for (let i = 0; i < n; i += 3) {
      const length = deferred[i + 1]! - deferred[i]!;
      const index = deferred[i + 2]!;
      const id = text.slice(to, to + length);
      if (index >= 0) this.ids[index] = id;
      else this.typeIds[-1 - index] = id;
      to += length;
    }
  }

  /** `true`/`false`, or a number (0 is false). */
  flag(): boolean {
    const c = this.s[this.p]!;
    if (c === 0x2d || isDigit(c)) return this.number() !== 0;
    const value = this.literal(c);
    if (value === null) giveUp();
    return value;
  }

  document(): Scanned {
    this.ws();
    if (this.open(0x7b, 0x7d)) giveUp();
    let lastUpdated = NaN;
    let other = NaN;
    let ttl: number | undefined;
    let seen = 0;
    do {
      this.key();
      let bit = 0;
      if (this.is(N_DATA)) {
        bit = 1;
        this.data();
      } else if (this.is(N_LAST_UPDATED)) {
        bit = 2;
        lastUpdated = this.optionalTime();
      } else if (this.is(N_LAST_UPDATED_OTHER)) {
        bit = 4;
        if (!this.null()) {
          other = this.count();
          if (!(Math.abs(other) < MAX_POSIX_S)) giveUp();
        }
      } else if (this.is(N_TTL)) {
        bit = 8;
        const c = this.s[this.p]!;
        if (c === 0x2d || isDigit(c)) ttl = this.number();
        else this.skip(1);
      } else this.skip(1);
      if ((seen & bit) !== 0) giveUp();
      seen |= bit;
    } while (!this.next(0x7d));
    this.ws();
    if (this.p !== this.s.length || (seen & 1) === 0) giveUp();
    if (this.text === undefined) this.decodeIds();
    const status: Status = {
      count: this.stations,
      ids: this.ids.slice(0, this.stations),
      values: this.values.slice(0, this.stations * WIDTH),
      typeIds: this.typeIds.slice(0, this.types),
      typeCounts: this.typeCounts.slice(0, this.types),
      lastUpdated: !Number.isNaN(lastUpdated)
        ? lastUpdated
        : !Number.isNaN(other)
        ? other
        : undefined,
      major: this.major,
    };
    return { document: status, ttl };
  }

  data(): void {
    if (this.open(0x7b, 0x7d)) giveUp();
    let found = false;
    do {
      this.key();
      if (this.is(N_STATIONS)) {
        if (found) giveUp();
        found = true;
        if (!this.open(0x5b, 0x5d)) {
          do this.station(); while (!this.next(0x5d));
        }
      } else this.skip(2);
    } while (!this.next(0x7d));
    if (!found) giveUp();
  }

  /**
   * Which field a station key of `length` bytes at `start` is (its bit), 0 for
   * one not read: by length and a byte first (literals, which compile to
   * constants), then every byte.
   */
  field(start: number, length: number): number {
    const s = this.s;
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
   * k-th key of the station before (its bytes and its field) is tried first,
   * one comparison where a key is otherwise read, then told.
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
    let flags = 0;
    let seen = 0;
    let stationId = "";
    const order = this.order;
    const view = this.view;
    let k = 0;
    while (true) {
      if (c !== 0x22) giveUp();
      const start = ++p;
      let bit = 0;
      const expected = k < order.length ? order[k]! : undefined;
      if (expected !== undefined && matches(view, s, start, expected)) {
        p = start + expected.quoted.length - 1;
        bit = expected.field;
      } else {
        c = s[p];
        while (c !== 0x22) {
          if (!(c! >= 0x20 && c! < 0x80) || c === 0x5c) this.unusual(c === 0x5c ? 0 : c);
          c = s[++p];
        }
        const length = p - start;
        // A key left out or added shifts the rest: carry on after this key's
        // place in the order when it has one, else it takes the place.
        let j = 0;
        while (j < order.length) {
          const key = order[j]!;
          if (key.quoted.length === length + 1 && matches(view, s, start, key)) break;
          j++;
        }
        if (j < order.length) {
          bit = order[j]!.field;
          k = j;
        } else {
          bit = this.field(start, length);
          order[k] = keyOf(s.slice(start, p + 1), bit);
        }
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
          stationId = plain ? String(n) : this.id(this.stations);
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
    values[at + TYPES_TO] = this.types;
    this.ids[this.stations] = stationId;
    this.stations++;
  }

  /** `vehicle_types_available`: null, or a list of `{vehicle_type_id, count}`. */
  typesAvailable(at: number): void {
    if (this.null()) return;
    this.values[at + TYPES_FROM] = this.types;
    if (this.open(0x5b, 0x5d)) return;
    do {
      if (this.open(0x7b, 0x7d)) giveUp();
      let typeId: string | undefined;
      let typeCount = NaN;
      do {
        const length = this.key();
        if (length === 15 && this.is(N_VEHICLE_TYPE_ID)) {
          if (typeId !== undefined) giveUp();
          typeId = this.id(-1 - this.types);
        } else if (length === 5 && this.is(N_COUNT)) {
          if (!Number.isNaN(typeCount)) giveUp();
          typeCount = this.count();
        } else this.skip(6);
      } while (!this.next(0x7d));
      if (typeId === undefined || Number.isNaN(typeCount)) giveUp();
      this.typeIds[this.types] = typeId;
      this.typeCounts[this.types++] = typeCount;
    } while (!this.next(0x5d));
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
