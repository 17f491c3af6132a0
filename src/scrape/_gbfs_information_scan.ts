/**
 * station_information read straight from its bytes into an {@link Information},
 * without JSON.parse: a 2,000-station body (540 KB) was 1.5–1.8 ms of
 * JSON.parse and readInformation, and the garbage of every object in it, at
 * every scrape of a feed whose stations change (or with nothing cached), for
 * the nine fields a station Spoke keeps; the scan is ~1.3 ms, and makes only
 * what it keeps.
 *
 * It reads only a well-formed feed (`_json_scan.ts`): anything it would have
 * to think about gives up with `undefined`, so that the document path
 * (JSON.parse, then `readInformation`) makes the result or the FeedError: a
 * value of a type the checks refuse, a missing field, a repeated key among
 * those it reads, an escape in a key, a localized (3.x) name, nesting deeper
 * than MAX_DEPTH, a byte order mark, bytes that are not UTF-8. Escapes in the
 * strings it keeps are read (Python's json.dumps writes every accent as one).
 */
import { Buffer } from "node:buffer";
import type { BytesRead, Previous } from "./http.ts";
import {
  FNV_OFFSET,
  FNV_PRIME,
  idHash,
  type Information,
  InformationIndex,
  LastUris,
  sharedUris,
} from "./_gbfs_information.ts";
import { smallInt } from "./_small_int.ts";
import { clear, giveUp, JsonScanner, type Key, name, same, scanJson } from "./_json_scan.ts";

/**
 * Reads a station_information body, or undefined when the document path must.
 * With the body read before for the same URL (`previous`, from a cache), a
 * stations array byte for byte the one read then is that one's stations: a
 * feed's station_information mostly changes in `last_updated` alone, and
 * comparing 540 KB is a fiftieth of reading it.
 */
export function scanInformationBytes(
  bytes: Uint8Array,
  url: string,
  previous?: Previous<Information>,
): BytesRead<Information> | undefined {
  return scanJson(
    bytes,
    (s, text) => new Scanner(s, text, url, previous).document(),
    release,
  );
}

/** Where in the body it was read from each Information's stations array is. */
const arrays = new WeakMap<Information, { readonly start: number; readonly end: number }>();

function release(): void {
  clear(strings, undefined);
  clear(uris, undefined);
}

const N_STATION_ID = name("station_id");
const N_NAME = name("name");
const N_LAT = name("lat");
const N_LON = name("lon");
const N_CAPACITY = name("capacity");
const N_ADDRESS = name("address");
const N_POST_CODE = name("post_code");
const N_IS_VIRTUAL = name("is_virtual_station");
const N_RENTAL_URIS = name("rental_uris");
const N_ANDROID = name("android");
const N_IOS = name("ios");
const N_WEB = name("web");

// Bits of the station fields seen (a repeated one gives up).
const STATION_ID = 1;
const NAME = 2;
const LAT = 4;
const LON = 8;
const REQUIRED = STATION_ID | NAME | LAT | LON;
const CAPACITY = 16;
const ADDRESS = 32;
const POST_CODE = 64;
const IS_VIRTUAL = 128;
const RENTAL_URIS = 256;

// A station's strings in `strings`, at `station * TEXTS + …`.
const ID = 0;
const TEXT_NAME = 1;
const TEXT_ADDRESS = 2;
const TEXT_POST_CODE = 3;
const TEXTS = 4;

// A station's numbers in `numbers`, at `station * NUMBERS + …` (NaN: absent).
const LATITUDE = 0;
const LONGITUDE = 1;
const SLOTS = 2;
const VIRTUAL = 3;
const NUMBERS = 4;

/**
 * Where a scan writes as it reads, kept from one scan to the next (scans do
 * not overlap: each is synchronous): the strings are decoded together at the
 * end, so the stations are made then, from these.
 */
const strings: (string | undefined)[] = [];
let numbers = new Float64Array(256 * NUMBERS);
const uris: (Readonly<Record<string, string>> | undefined)[] = [];
/** Each station's `idHash`, or {@link NO_HASH}: made from the string at the end. */
let hashes = new Int32Array(256);
/**
 * Where each station's id is in the body when its string is those bytes (read
 * from them alone, no escape): start and end, two numbers a station; -1: its
 * bytes are made from its string (`InformationIndex.add`).
 */
let idSpans = new Int32Array(512);
const NO_HASH = 0;

function grownList(list: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(list.length * 2);
  bigger.set(list);
  return bigger;
}

/** One body's scan. */
class Scanner extends JsonScanner {
  readonly url: string;
  stations = 0;
  numbers = numbers;
  /** The keys of the station before, in its order. */
  order: Key[] = [];
  readonly lastUris = new LastUris();
  /** Where the last `rental_uris` read starts and ends: the next one, byte for byte the same, is the same. */
  urisStart = -1;
  urisEnd = -1;

  readonly previous: Previous<Information> | undefined;
  /** The previous Information, when its stations array is this body's. */
  reused: Information | undefined;
  arrayStart = -1;
  arrayEnd = -1;

  constructor(
    s: Uint8Array,
    text: string | undefined,
    url: string,
    previous: Previous<Information> | undefined,
  ) {
    super(s, text);
    this.url = url;
    this.previous = previous;
  }

  /** The stations array: the previous body's when its bytes are the same, else read. */
  override stationList(): void {
    const start = this.p;
    const previous = this.previous;
    const array = previous === undefined ? undefined : arrays.get(previous.document);
    if (previous !== undefined && array !== undefined) {
      const end = start + array.end - array.start;
      if (
        end <= this.s.length &&
        Buffer.compare(
            this.s.subarray(start, end),
            previous.body.subarray(array.start, array.end),
          ) ===
          0
      ) {
        this.p = end;
        this.reused = previous.document;
      }
    }
    if (this.reused === undefined) super.stationList();
    this.arrayStart = start;
    this.arrayEnd = this.p;
  }

  put(index: number, text: string): void {
    strings[index] = text;
  }

  putNumber(index: number, value: number): void {
    this.numbers[index] = value;
  }

  document(): BytesRead<Information> {
    const ttl = this.stationsDocument();
    const information = this.reused ?? this.information();
    arrays.set(information, { start: this.arrayStart, end: this.arrayEnd });
    return { document: information, ttl };
  }

  topLevel(): number {
    this.skip(1);
    return 0;
  }

  /** The stations, made from what the scan wrote, as readInformation makes them. */
  information(): Information {
    const index = new InformationIndex(this.stations);
    const values = this.numbers;
    for (let i = 0; i < this.stations; i++) {
      const at = i * NUMBERS;
      const texts = i * TEXTS;
      const slots = values[at + SLOTS]!;
      const id = strings[texts + ID]!;
      index.add(
        hashes[i] === NO_HASH ? idHash(id) : hashes[i]!,
        id,
        strings[texts + TEXT_NAME]!,
        values[at + LATITUDE]!,
        values[at + LONGITUDE]!,
        values[at + VIRTUAL] === 1,
        Number.isNaN(slots) ? undefined : smallInt(slots),
        strings[texts + TEXT_ADDRESS],
        strings[texts + TEXT_POST_CODE],
        uris[i],
        this.s,
        idSpans[2 * i]!,
        idSpans[2 * i + 1]!,
      );
    }
    return index.done();
  }

  /** Which field a station key of `length` bytes at `start` is (its bit), 0 for one not read. */
  field(start: number, length: number): number {
    const s = this.s;
    switch (length) {
      case 3:
        if (same(s, start, N_LAT)) return LAT;
        return same(s, start, N_LON) ? LON : 0;
      case 4:
        return same(s, start, N_NAME) ? NAME : 0;
      case 7:
        return same(s, start, N_ADDRESS) ? ADDRESS : 0;
      case 8:
        return same(s, start, N_CAPACITY) ? CAPACITY : 0;
      case 9:
        return same(s, start, N_POST_CODE) ? POST_CODE : 0;
      case 10:
        return same(s, start, N_STATION_ID) ? STATION_ID : 0;
      case 11:
        return same(s, start, N_RENTAL_URIS) ? RENTAL_URIS : 0;
      case 18:
        return same(s, start, N_IS_VIRTUAL) ? IS_VIRTUAL : 0;
    }
    return 0;
  }

  /** The station being read: where its numbers and its strings are. */
  at = 0;
  texts = 0;

  station(): void {
    const station = this.stations;
    const at = station * NUMBERS;
    if (this.numbers.length < at + NUMBERS) {
      const grown = new Float64Array(this.numbers.length * 2);
      grown.set(this.numbers);
      this.numbers = numbers = grown;
    }
    const texts = station * TEXTS;
    this.numbers[at + SLOTS] = NaN;
    this.numbers[at + VIRTUAL] = 0;
    strings[texts + TEXT_ADDRESS] = undefined;
    strings[texts + TEXT_POST_CODE] = undefined;
    uris[station] = undefined;
    this.at = at;
    this.texts = texts;
    if ((this.members(this.order, 0) & REQUIRED) !== REQUIRED) giveUp();
    this.stations++;
  }

  member(field: number): void {
    const values = this.numbers;
    const at = this.at;
    const texts = this.texts;
    switch (field) {
      case 0:
        this.skip(4);
        break;
      case STATION_ID:
        this.stationId(texts + ID);
        break;
      case NAME:
        // A 3.x localized name: the document path picks the translation.
        if (this.s[this.p] !== 0x22) giveUp();
        strings[texts + TEXT_NAME] = this.keptString(texts + TEXT_NAME);
        break;
      case LAT:
        this.finiteNumber(values, at + LATITUDE);
        break;
      case LON:
        this.finiteNumber(values, at + LONGITUDE);
        break;
      case CAPACITY:
        values[at + SLOTS] = this.optionalCount();
        break;
      case ADDRESS:
        strings[texts + TEXT_ADDRESS] = this.optionalString(texts + TEXT_ADDRESS);
        break;
      case POST_CODE:
        strings[texts + TEXT_POST_CODE] = this.optionalString(texts + TEXT_POST_CODE);
        break;
      case IS_VIRTUAL:
        values[at + VIRTUAL] = !this.null() && this.flag() ? 1 : 0;
        break;
      case RENTAL_URIS:
        uris[this.stations] = this.null() ? undefined : this.rentalUris();
        break;
    }
  }

  /**
   * `station_id`: its string, and the hash of it (`idHash`) from its bytes
   * while they are in the cache, when it is read from them alone (its string
   * is made later); else from the string, at the end.
   */
  stationId(index: number): void {
    let hashes_ = hashes;
    if (hashes_.length <= this.stations) hashes = hashes_ = grownList(hashes_);
    if (idSpans.length < 2 * this.stations + 2) idSpans = grownList(idSpans);
    const s = this.s;
    const from = this.p;
    const span = 2 * this.stations;
    idSpans[span] = -1;
    idSpans[span + 1] = -1;
    if (s[from] !== 0x22) {
      strings[index] = String(this.count());
      hashes_[this.stations] = NO_HASH;
      return;
    }
    strings[index] = this.keptString(index);
    if (this.escaped || this.text !== undefined) {
      hashes_[this.stations] = NO_HASH;
      return;
    }
    idSpans[span] = from + 1;
    idSpans[span + 1] = this.p - 1;
    let hash = FNV_OFFSET;
    for (let b = from + 1, end = this.p - 1; b < end; b++) {
      hash = Math.imul(hash ^ s[b]!, FNV_PRIME);
    }
    // The one value taken to mean "none": hashed again from the string at the end.
    hashes_[this.stations] = hash;
  }

  /** A string kept (see `keptString`), or undefined for null. */
  optionalString(index: number): string | undefined {
    if (this.null()) return undefined;
    if (this.s[this.p] !== 0x22) giveUp();
    return this.keptString(index);
  }

  /**
   * `rental_uris`, an object: the station before's when its bytes are the very
   * same (then its values are too), else read and given to `sharedUris` as
   * readInformation does, its strings decoded now (they are compared there).
   */
  rentalUris(): Readonly<Record<string, string>> {
    const s = this.s;
    const start = this.p;
    if (s[start] !== 0x7b) giveUp();
    const length = this.urisEnd - this.urisStart;
    if (length > 0 && this.sameBytes(start, this.urisStart, length)) {
      this.p = start + length;
      return this.lastUris.uris!;
    }
    let android: string | null | undefined;
    let ios: string | null | undefined;
    let web: string | null | undefined;
    let seen = 0;
    if (!this.open(0x7b, 0x7d)) {
      do {
        this.key();
        let bit = 0;
        if (this.is(N_ANDROID)) {
          bit = 1;
          android = this.uri();
        } else if (this.is(N_IOS)) {
          bit = 2;
          ios = this.uri();
        } else if (this.is(N_WEB)) {
          bit = 4;
          web = this.uri();
        } else this.skip(3);
        if ((seen & bit) !== 0) giveUp();
        seen |= bit;
      } while (!this.next(0x7d));
    }
    this.urisStart = start;
    this.urisEnd = this.p;
    return sharedUris(android, ios, web, this.lastUris, this.url, this.stations);
  }

  /** A URI of `rental_uris`: its string now, or null. */
  uri(): string | null {
    if (this.null()) return null;
    if (this.s[this.p] !== 0x22) giveUp();
    const from = this.p;
    const start = this.string();
    if (this.escaped) return JSON.parse(this.slice(from, this.p)) as string;
    return this.slice(start, this.p - 1);
  }

  /** The `length` bytes at `at` are those at `from`. Four at a time. */
  sameBytes(at: number, from: number, length: number): boolean {
    const s = this.s;
    if (at + length > s.length) return false;
    const view = this.view;
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      if (view.getInt32(at + i, true) !== view.getInt32(from + i, true)) return false;
    }
    for (; i < length; i++) if (s[at + i] !== s[from + i]) return false;
    return true;
  }
}
