/**
 * What the byte scanners of the big GBFS documents (`_gbfs_status_scan.ts`,
 * `_gbfs_information_scan.ts`) share: JSON read straight from a body's bytes,
 * the whole grammar checked (every value they do not use included), and a
 * give-up at anything they would have to think about, so that the document
 * path (JSON.parse, then the document's reader) makes the result or the
 * FeedError.
 *
 * The scan is over the bytes: indexing a Uint8Array is four times faster than
 * `charCodeAt` on the decoded text (0.5 against 1.9 ms to touch 800 KB), which
 * made a scanner of the text slower than JSON.parse. A body that is ASCII
 * (every feed seen) is read from its bytes alone: ASCII is UTF-8, and the
 * strings kept are decoded together at the end ({@link JsonScanner.defer}). At
 * the first byte that is not ASCII the scan starts again on the decoded text,
 * which proves the bytes UTF-8 ({@link scanJson}).
 */

/** Deeper than this the document path decides (JSON.parse has no such limit). */
export const MAX_DEPTH = 64;

/** Thrown to give up; caught in {@link scanJson} only. */
const GIVE_UP = new Error("not a plain document");

export function giveUp(): never {
  throw GIVE_UP;
}

/** Thrown by a scan of the bytes alone at a byte that is not ASCII: the text must be decoded. */
const NOT_ASCII = new Error("not ASCII");

const utf8 = new TextDecoder("utf-8");

/**
 * Runs `scan` on the bytes alone, then, at a byte that is not ASCII, on the
 * decoded text; undefined when the document path must read the body. `release`
 * runs after either, to let go of what a scan left in lists kept between scans.
 */
export function scanJson<T>(
  bytes: Uint8Array,
  scan: (bytes: Uint8Array, text: string | undefined) => T,
  release: () => void,
): T | undefined {
  try {
    try {
      return scan(bytes, undefined);
    } catch (error) {
      if (error !== NOT_ASCII) throw error;
    }
    // A BOM: TextDecoder drops it; leave that to the document path.
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined;
    const text = utf8.decode(bytes);
    // Invalid bytes (or a real U+FFFD, rare enough to read the slow way).
    if (text.includes("\uFFFD")) return undefined;
    return scan(bytes, text);
  } catch (error) {
    if (error === GIVE_UP || error instanceof RangeError) return undefined;
    throw error;
  } finally {
    release();
  }
}

/**
 * Sets every entry of a list kept between scans to `value`, in place:
 * `Array.prototype.fill` gives a list of 8,000 entries a new backing store
 * (64 KB a scan of garbage, measured), a loop writes the one it has.
 */
export function clear<T>(list: T[], value: T): void {
  for (let i = 0; i < list.length; i++) list[i] = value;
}

/** At most how many keys {@link JsonScanner.orderedKey} keeps in an order. */
const MOST_KEYS = 32;

/** A key's bytes, to tell it when it comes. */
export type Name = Uint8Array;

const encoder = new TextEncoder();
export const name = (text: string): Name => encoder.encode(text);

const N_DATA = name("data");
const N_TTL = name("ttl");
const N_STATIONS = name("stations");

/** The key at `start` (as long as `name`, which the caller made sure of) is `name`. */
export function same(s: Uint8Array, start: number, name: Name): boolean {
  for (let i = 0; i < name.length; i++) if (s[start + i] !== name[i]) return false;
  return true;
}

/**
 * A key of a record as it was seen, with its closing quote (a key is tried
 * where the record before had it), and the field it is (0: not read).
 */
export interface Key {
  readonly quoted: Uint8Array;
  /** `quoted` four bytes at a time, little-endian, the last word padded with zeros. */
  readonly words: Int32Array;
  /** What of the last word is `quoted`'s. */
  readonly tail: number;
  readonly field: number;
}

function keyOf(quoted: Uint8Array, field: number): Key {
  const words = new Int32Array((quoted.length + 3) >> 2);
  for (let i = 0; i < quoted.length; i++) words[i >> 2]! |= quoted[i]! << ((i & 3) * 8);
  const rest = quoted.length & 3;
  return { quoted, words, tail: rest === 0 ? -1 : (1 << (rest * 8)) - 1, field };
}

/**
 * The bytes at `start` are `key` and its closing quote, so exactly that key:
 * a key once read holds no quote, backslash nor control byte. Four bytes at a
 * time (keys are most of a station's bytes), the last word masked; near the
 * end of the body, one at a time.
 */
export function matches(view: DataView, s: Uint8Array, start: number, key: Key): boolean {
  const words = key.words;
  const last = words.length - 1;
  if (start + words.length * 4 > s.length) {
    const quoted = key.quoted;
    if (start + quoted.length > s.length) return false;
    for (let i = 0; i < quoted.length; i++) if (s[start + i] !== quoted[i]) return false;
    return true;
  }
  for (let i = 0; i < last; i++) {
    if (view.getInt32(start + i * 4, true) !== words[i]) return false;
  }
  return (view.getInt32(start + last * 4, true) & key.tail) === words[last];
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** 10^k for the k digits after a decimal point: exact doubles up to 10^22. */
const POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** 2^53: integers up to it are exact doubles. */
const EXACT = 2 ** 53;

/** Where {@link JsonScanner.scanNumber} leaves the number it read. */
const scanned = new Float64Array(1);

/**
 * Where the strings of a scan of the bytes alone are until they are decoded:
 * start, end, and the index the scanner gave (see {@link JsonScanner.put});
 * kept from one scan to the next (scans do not overlap: each is synchronous).
 */
let deferred = new Int32Array(256 * 3);

/** The same for numbers ({@link JsonScanner.finiteNumber}). */
let deferredNumbers = new Int32Array(64 * 3);

/** Where their bytes are copied together to be decoded. */
let joined = new Uint8Array(4096);
let joinedView = new DataView(joined.buffer);

function grown(list: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(list.length * 2);
  bigger.set(list);
  return bigger;
}

function record(list: Int32Array, at: number, start: number, end: number, index: number): void {
  list[at] = start;
  list[at + 1] = end;
  list[at + 2] = index;
}

/**
 * At most how many bytes of deferred strings are decoded into one text: a text
 * past V8's largest regular object (128 KB) is made in its large-object space
 * and moved to the old generation whole at the first scavenge it survives,
 * kept there by every string cut from it (a 2,000-station
 * station_information's ids and names are about 130 KB).
 */
const CHUNK = 32 * 1024;

/**
 * The text of the spans `from` to `to` (entries, three numbers each) of a
 * deferred list, `bytes` long: copied together into {@link joined} and
 * decoded at once.
 */
function decodeSpans(
  view: DataView,
  s: Uint8Array,
  list: Int32Array,
  from: number,
  to: number,
  bytes: number,
): string {
  if (joined.length < bytes) {
    joined = new Uint8Array(Math.max(bytes, joined.length * 2));
    joinedView = new DataView(joined.buffer);
  }
  copySpans(view, s, list, from, to, 3, joined, joinedView);
  return utf8.decode(joined.subarray(0, bytes));
}

/**
 * Copies the spans `from` to `to` of `list` (`stride` numbers an entry, its
 * start and end first) of `s` one after the other into `into`, four bytes at a
 * time then the rest: a byte at a time was an eighth of a station_information
 * scan. `into` has room for them.
 */
export function copySpans(
  view: DataView,
  s: Uint8Array,
  list: Int32Array,
  from: number,
  to: number,
  stride: number,
  into: Uint8Array,
  intoView: DataView,
): void {
  let at = 0;
  for (let i = from; i < to; i += stride) {
    let b = list[i]!;
    const end = list[i + 1]!;
    for (; b + 4 <= end; b += 4, at += 4) intoView.setInt32(at, view.getInt32(b, true), true);
    for (; b < end; b++) into[at++] = s[b]!;
  }
}

/** One body's scan: the bytes, where it is, and the helpers every scanner reads values with. */
export abstract class JsonScanner {
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
  /** How much of {@link deferred} and {@link deferredNumbers} this scan has written. */
  pending = 0;
  pendingNumbers = 0;

  constructor(s: Uint8Array, text: string | undefined) {
    this.s = s;
    this.view = new DataView(s.buffer, s.byteOffset, s.byteLength);
    this.text = text;
    // One byte a character: the text is cut where the bytes say.
    this.ascii = text === undefined || text.length === s.length;
  }

  /** Reads one station of `data.stations`, from its opening brace. */
  abstract station(): void;

  /**
   * Reads a member of the document other than `data` and `ttl` (the key read,
   * {@link p} at its value); returns its bit (a repeated one gives up), 0 for
   * one skipped.
   */
  abstract topLevel(): number;

  /** Where {@link decodeDeferred} puts the string it decoded for `index`. */
  abstract put(index: number, text: string): void;

  /** Where {@link decodeDeferred} puts the number it converted for `index` ({@link finiteNumber}). */
  abstract putNumber(index: number, value: number): void;

  /**
   * Which field a key of `length` bytes at `start` of a `record` (a kind of
   * the scanner's own: 0, a station) is, 0 for one not read ({@link orderedKey}).
   */
  abstract field(start: number, length: number, record: number): number;

  /** Reads the value of a `record`'s member whose key is `field`, from {@link p} ({@link members}). */
  abstract member(field: number, record: number): void;

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
   * A string value kept whole: its text, escapes and all. One with an escape
   * is the text JSON.parse makes of its quoted bytes (checked already); read
   * from the bytes alone, any other is "" until {@link decodeDeferred}, which
   * puts it at `index`.
   */
  keptString(index: number): string {
    const from = this.p;
    const start = this.string();
    const end = this.p - 1;
    if (this.escaped) return JSON.parse(this.slice(from, this.p)) as string;
    return this.plain(start, end, index);
  }

  /** The string of bytes `start` to `end`, without escapes: as {@link keptString} gives it. */
  plain(start: number, end: number, index: number): string {
    if (this.text !== undefined) return this.slice(start, end);
    if (end - start <= 1) return end === start ? "" : String.fromCharCode(this.s[start]!);
    this.defer(start, end, index);
    return "";
  }

  /** Records the string at bytes `start` to `end`, for {@link decodeDeferred}. */
  defer(start: number, end: number, index: number): void {
    if (this.pending + 3 > deferred.length) deferred = grown(deferred);
    record(deferred, this.pending, start, end, index);
    this.pending += 3;
  }

  /** Records the number at bytes `start` to `end`, for {@link decodeDeferred}. */
  deferNumber(start: number, end: number, index: number): void {
    if (this.pendingNumbers + 3 > deferredNumbers.length) deferredNumbers = grown(deferredNumbers);
    record(deferredNumbers, this.pendingNumbers, start, end, index);
    this.pendingNumbers += 3;
  }

  /**
   * The strings (and numbers) of a scan of the bytes alone, decoded together:
   * their bytes copied together, one decoding a {@link CHUNK}, then cut. Their
   * bytes are still in the cache, where the text of the whole body was not;
   * and the strings keep alive only the text of strings, not an 800 KB body
   * (nor the numbers' text: decoded on their own).
   */
  decodeDeferred(): void {
    const s = this.s;
    const view = this.view;
    const strings = this.pending;
    for (let first = 0; first < strings;) {
      let last = first;
      let bytes = 0;
      do {
        bytes += deferred[last + 1]! - deferred[last]!;
        last += 3;
      } while (last < strings && bytes + deferred[last + 1]! - deferred[last]! <= CHUNK);
      const text = decodeSpans(view, s, deferred, first, last, bytes);
      let to = 0;
      for (let i = first; i < last; i += 3) {
        const length = deferred[i + 1]! - deferred[i]!;
        this.put(deferred[i + 2]!, text.slice(to, to + length));
        to += length;
      }
      first = last;
    }
    const numbers = this.pendingNumbers;
    if (numbers === 0) return;
    let bytes = 0;
    for (let i = 0; i < numbers; i += 3) bytes += deferredNumbers[i + 1]! - deferredNumbers[i]!;
    const text = decodeSpans(view, s, deferredNumbers, 0, numbers, bytes);
    let to = 0;
    for (let i = 0; i < numbers; i += 3) {
      const length = deferredNumbers[i + 1]! - deferredNumbers[i]!;
      this.putNumber(deferredNumbers[i + 2]!, Number(text.slice(to, to + length)));
      to += length;
    }
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

  /**
   * The key whose opening quote is at `p`, told as a field: the stations of a
   * feed list their keys in one order, so the k-th key of the station before
   * (`order[k]`, its bytes and its field) is tried first, one comparison where
   * a key is otherwise read, then told by {@link field}. Returns the field and leaves
   * {@link p} on the key's closing quote, {@link keyAt} at where in `order` it is.
   */
  orderedKey(order: Key[], k: number, record = 0): number {
    const s = this.s;
    const view = this.view;
    const start = this.p + 1;
    const expected = k < order.length ? order[k]! : undefined;
    if (expected !== undefined && matches(view, s, start, expected)) {
      this.p = start + expected.quoted.length - 1;
      this.keyAt = k;
      return expected.field;
    }
    let p = start;
    let c = s[p];
    while (c !== 0x22) {
      if (!(c! >= 0x20 && c! < 0x80) || c === 0x5c) this.unusual(c === 0x5c ? 0 : c);
      c = s[++p];
    }
    this.p = p;
    const length = p - start;
    // A key left out or added shifts the rest: carry on after this key's
    // place in the order when it has one, else it takes the place.
    for (let j = 0; j < order.length; j++) {
      const key = order[j]!;
      if (key.quoted.length === length + 1 && matches(view, s, start, key)) {
        this.keyAt = j;
        return key.field;
      }
    }
    // A key the order does not have goes in here, the others after it: the
    // stations of two shapes in turn (a fifth of the bench's feed lacks one key
    // and has another) then each find their keys, where one taking the place of
    // another made both shapes read again (and a Key) at every change. Up to
    // MOST_KEYS: past them (a record of keys never seen twice) it takes the place.
    const field = this.field(start, length, record);
    const key = keyOf(s.slice(start, p + 1), field);
    if (order.length < MOST_KEYS) order.splice(k, 0, key);
    else order[k] = key;
    this.keyAt = k;
    return field;
  }

  /** Where in its order {@link orderedKey} found the last key. */
  keyAt = 0;

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

  /**
   * The whole body: an object with `data.stations`, each station read by
   * {@link station}, the other members by {@link topLevel}; returns `ttl`
   * when it is a number (what gbfsTtl reads). The strings left for later are
   * decoded at the end.
   */
  stationsDocument(): number | undefined {
    this.ws();
    if (this.open(0x7b, 0x7d)) giveUp();
    let ttl: number | undefined;
    let seen = 0;
    do {
      this.key();
      let bit: number;
      if (this.is(N_DATA)) {
        bit = 1;
        this.data();
      } else if (this.is(N_TTL)) {
        bit = 2;
        const c = this.s[this.p]!;
        if (c === 0x2d || isDigit(c)) ttl = this.number();
        else this.skip(1);
      } else bit = this.topLevel();
      if ((seen & bit) !== 0) giveUp();
      seen |= bit;
    } while (!this.next(0x7d));
    this.ws();
    if (this.p !== this.s.length || (seen & 1) === 0) giveUp();
    if (this.text === undefined) this.decodeDeferred();
    return ttl;
  }

  data(): void {
    if (this.open(0x7b, 0x7d)) giveUp();
    let found = false;
    do {
      this.key();
      if (this.is(N_STATIONS)) {
        if (found) giveUp();
        found = true;
        this.stationList();
      } else this.skip(2);
    } while (!this.next(0x7d));
    if (!found) giveUp();
  }

  /** Reads `data.stations`, from its opening bracket. */
  stationList(): void {
    if (!this.open(0x5b, 0x5d)) {
      do this.station(); while (!this.next(0x5d));
    }
  }

  /**
   * The members of an object of a `record` kind, whose keys come in the
   * order of `order` (the object before's): the commas and colons between
   * them are read here with a local position, the keys by {@link orderedKey}
   * (the expected one tried here first), the values by {@link member}.
   * Returns the bits of the fields seen; gives up on an empty object, or on a
   * field repeated.
   */
  members(order: Key[], record: number): number {
    const s = this.s;
    const view = this.view;
    let p = this.p;
    if (s[p] !== 0x7b) giveUp();
    let c = s[++p];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
    if (c === 0x7d) giveUp();
    let seen = 0;
    let k = 0;
    while (true) {
      if (c !== 0x22) giveUp();
      // The expected key here, with no call: most keys are.
      const expected = k < order.length ? order[k]! : undefined;
      let bit: number;
      if (expected !== undefined && matches(view, s, p + 1, expected)) {
        p += expected.quoted.length;
        bit = expected.field;
        k++;
      } else {
        this.p = p;
        bit = this.orderedKey(order, k, record);
        p = this.p;
        k = this.keyAt + 1;
      }
      c = s[++p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
      if (c !== 0x3a) giveUp();
      c = s[++p];
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
      this.p = p;
      this.member(bit, record);
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
    return seen;
  }

  /** Reads a number (JSON's grammar), as JSON.parse would give it. */
  number(): number {
    // The same correctly rounded conversion as JSON.parse's.
    return this.scanNumber() ? scanned[0]! : Number(this.slice(this.numberStart, this.p));
  }

  /**
   * A finite number that may be made later: read from the bytes alone, one the
   * scan cannot convert itself (a coordinate of 17 digits: most of a
   * generated feed's) is NaN until {@link decodeDeferred}, which gives it to
   * {@link putNumber} with `index`: a string a number, made and dropped, cost
   * more than the scan of the station. Written at `index` of `into`, not
   * returned: a fraction returned from a call is a heap number (a coordinate
   * read was 16 bytes of garbage, 64 KB a 2,000-station body).
   */
  finiteNumber(into: Float64Array, index: number): void {
    const c = this.s[this.p]!;
    if (!(c === 0x2d || isDigit(c))) giveUp();
    if (this.scanNumber()) {
      into[index] = scanned[0]!;
      return;
    }
    // Without an exponent it is finite: JSON has no other way to overflow.
    if (this.text === undefined && !this.exponent) {
      this.deferNumber(this.numberStart, this.p, index);
      into[index] = NaN;
      return;
    }
    const slow = Number(this.slice(this.numberStart, this.p));
    if (!Number.isFinite(slow)) giveUp();
    into[index] = slow;
  }

  /** Where the last number read by {@link scanNumber} starts, and whether it has an exponent. */
  numberStart = 0;
  exponent = false;

  /**
   * Reads a number (JSON's grammar) into `scanned[0]` (not returned, for the
   * reason {@link finiteNumber} gives); false when only a correctly rounding
   * conversion of its text can say its value.
   */
  scanNumber(): boolean {
    const s = this.s;
    const start = this.p;
    this.numberStart = start;
    this.exponent = false;
    let p = start;
    let negative = false;
    if (s[p]! === 0x2d) {
      negative = true;
      p++;
    }
    let c = s[p]!;
    let value = 0;
    if (c === 0x30) {
      c = s[++p]!;
      if (c !== 0x2e && c !== 0x65 && c !== 0x45) {
        this.p = p;
        scanned[0] = negative ? -0 : 0;
        return true;
      }
    } else if (c >= 0x31 && c <= 0x39) {
      do {
        value = value * 10 + (c - 0x30);
        c = s[++p]!;
      } while (isDigit(c));
      // Digits summed are exact while the sum is (it only grows): up to 2^53.
      if (c !== 0x2e && c !== 0x65 && c !== 0x45 && value <= EXACT) {
        this.p = p;
        scanned[0] = negative ? -value : value;
        return true;
      }
    } else giveUp();
    const integerEnd = p;
    if (c === 0x2e) {
      p++;
      if (!isDigit(s[p]!)) giveUp();
      while (isDigit(s[p]!)) {
        value = value * 10 + (s[p]! - 0x30);
        p++;
      }
      c = s[p]!;
      // Coordinates: the digits as one integer (exact up to 2^53) over a power of
      // ten (exact up to 10^22) is one correctly rounded division: JSON.parse's
      // double, without a string.
      const decimals = p - integerEnd - 1;
      if (c !== 0x65 && c !== 0x45 && value <= EXACT && decimals < POWERS.length) {
        this.p = p;
        const quotient = value / POWERS[decimals]!;
        scanned[0] = negative ? -quotient : quotient;
        return true;
      }
    }
    if (c === 0x65 || c === 0x45) {
      this.exponent = true;
      p++;
      c = s[p]!;
      if (c === 0x2b || c === 0x2d) p++;
      if (!isDigit(s[p]!)) giveUp();
      while (isDigit(s[p]!)) p++;
    }
    this.p = p;
    return false;
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

  /** `true`/`false`, or a number (0 is false). */
  flag(): boolean {
    const c = this.s[this.p]!;
    if (c === 0x2d || isDigit(c)) return this.number() !== 0;
    const value = this.literal(c);
    if (value === null) giveUp();
    return value;
  }
}
