/**
 * GBFS station_information, read once per distinct body into an index by
 * station_id, which every scrape of the same body joins with its
 * station_status (`_gbfs_station.ts`). Two readers make the same
 * {@link Information}: {@link readInformation} from the parsed document (the
 * checks of `_gbfs_fields.ts`), and `_gbfs_information_scan.ts` straight from
 * the body's bytes, which gives up (and leaves the body to the first) on
 * anything but a well-formed feed. Both build it through
 * {@link InformationIndex} and {@link sharedUris}, so its shape, its order and
 * what it shares are the same whichever read it.
 */
import * as field from "./_gbfs_fields.ts";
import { stationList } from "./_gbfs_station.ts";
import { FlatIds } from "./_flat_ids.ts";

const utf8 = new TextDecoder("utf-8");

/** One station of station_information, as {@link Information.bySlot} lists it. */
export interface InformationStation {
  readonly id: string;
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
  /** Where the station goes in the network: station_information's order. */
  readonly slot: number;
  /** What goes in every scrape's `extra` of the station, beside the status fields. */
  readonly virtual: boolean;
  /** `capacity`. */
  readonly slots: number | undefined;
  readonly address: string | undefined;
  readonly postCode: string | undefined;
  /** Frozen and shared (by every scrape of this body, and by the stations that have the same URIs). */
  readonly rentalUris: Readonly<Record<string, string>> | undefined;
}

/**
 * station_information, read: one column a field, by slot (station_information's
 * order; a repeated id: the last one, in the first one's place). Columns, not
 * an object a station: with nothing cached every scrape reads a new one, and
 * its 2,000 objects and their boxed coordinates were a quarter of what
 * survived a scavenge in a scrape; the join reads the columns and copies what
 * the network keeps.
 */
export interface Information {
  /** Distinct station ids. */
  readonly size: number;
  readonly ids: readonly string[];
  readonly names: readonly string[];
  /** Latitude and longitude of slot `i` at `2 * i` and `2 * i + 1`. */
  readonly coordinates: Float64Array;
  /** `is_virtual_station`: 1 or 0. */
  readonly virtual: Uint8Array;
  /** `capacity`. */
  readonly capacities: readonly (number | undefined)[];
  readonly addresses: readonly (string | undefined)[];
  readonly postCodes: readonly (string | undefined)[];
  /** Frozen and shared (by every scrape of this body, and by the stations that have the same URIs). */
  readonly rentalUris: readonly (Readonly<Record<string, string>> | undefined)[];
  /** The slot of station `id`, or -1. */
  slotOf(id: string): number;
  /**
   * The slot of the station whose id is the UTF-8 bytes `from` to `to`, or -1:
   * station_status' ids are bytes (`_gbfs_status_ids.ts`), and an id out of
   * order is looked up without a string made of it.
   */
  slotOfBytes(bytes: Uint8Array, from: number, to: number): number;
  /**
   * Slot `slot`'s id is the UTF-8 bytes `from` to `to`, when it is ASCII
   * (`sameId`'s answer, `_gbfs_status_ids.ts`: a non-ASCII id is left to the caller): told
   * against the ids' own bytes, kept flat, not by `charCodeAt` on a string
   * cut from a decoded text (4 % of a static scrape).
   */
  sameIdAt(slot: number, bytes: Uint8Array, from: number, to: number): boolean;
  /** The station of `id`, as one object (for tests and tools: the join reads the columns). */
  find(id: string): InformationStation | undefined;
  /** The same stations by slot, as objects, made when first asked for. */
  readonly bySlot: readonly InformationStation[];
  /** The same stations by id, made when first asked for. */
  readonly byId: ReadonlyMap<string, InformationStation>;
}

/**
 * The stations read so far, as both readers add them: a repeated id is told by
 * a table of slots by the id's hash (the caller's {@link idHash}, which a
 * scanner computes from the bytes it reads): a Map by id, made for every body
 * read, was a third of reading one, and the join finds a station out of order
 * in the same table.
 */
export class InformationIndex {
  readonly #most: number;
  #size = 0;
  readonly #ids: string[];
  readonly #names: string[];
  readonly #coordinates: Float64Array;
  readonly #virtual: Uint8Array;
  readonly #capacities: (number | undefined)[];
  readonly #addresses: (string | undefined)[];
  readonly #postCodes: (string | undefined)[];
  readonly #rentalUris: (Readonly<Record<string, string>> | undefined)[];
  readonly #table: Int32Array;
  readonly #mask: number;
  /** Each slot's id as ASCII bytes, one after the other ({@link FlatIds}). */
  readonly #flat: FlatIds;

  /**
   * `most`: how many stations at most will be added. A scanner gives `add` the
   * bytes its ids were read from (`source`, and each id's span when it is
   * those bytes as they are); else an id's bytes are made from its string.
   */
  constructor(most: number) {
    let size = 16;
    while (size < most * 2) size *= 2;
    this.#table = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
    this.#most = most;
    this.#ids = new Array(most);
    this.#names = new Array(most);
    this.#coordinates = new Float64Array(most * 2);
    this.#virtual = new Uint8Array(most);
    this.#capacities = new Array(most);
    this.#addresses = new Array(most);
    this.#postCodes = new Array(most);
    this.#rentalUris = new Array(most);
    this.#flat = new FlatIds(most);
  }

  add(
    hash: number,
    id: string,
    name: string,
    latitude: number,
    longitude: number,
    virtual: boolean,
    slots: number | undefined,
    address: string | undefined,
    postCode: string | undefined,
    rentalUris: Readonly<Record<string, string>> | undefined,
    source?: Uint8Array,
    from = -1,
    to = -1,
  ): void {
    const ids = this.#ids;
    const table = this.#table;
    const mask = this.#mask;
    let at = hash & mask;
    let slot = -1;
    for (let held = table[at]!; held !== -1; held = table[at]!) {
      if (ids[held] === id) {
        slot = held;
        break;
      }
      at = (at + 1) & mask;
    }
    if (slot === -1) {
      slot = this.#size++;
      table[at] = slot;
      this.#flat.add(id, source, from, to);
    }
    ids[slot] = id;
    this.#names[slot] = name;
    this.#coordinates[2 * slot] = latitude;
    this.#coordinates[2 * slot + 1] = longitude;
    this.#virtual[slot] = virtual ? 1 : 0;
    this.#capacities[slot] = slots;
    this.#addresses[slot] = address;
    this.#postCodes[slot] = postCode;
    this.#rentalUris[slot] = rentalUris;
  }

  done(): Information {
    const size = this.#size;
    // Repeated ids left room at the end: the columns are cut to the stations,
    // so that two reads of the same stations are equal column for column.
    if (size < this.#most) {
      for (
        const column of [
          this.#ids,
          this.#names,
          this.#capacities,
          this.#addresses,
          this.#postCodes,
          this.#rentalUris,
        ]
      ) column.length = size;
    }
    return new Stations(
      size,
      this.#ids,
      this.#names,
      size < this.#most ? this.#coordinates.slice(0, 2 * size) : this.#coordinates,
      size < this.#most ? this.#virtual.slice(0, size) : this.#virtual,
      this.#capacities,
      this.#addresses,
      this.#postCodes,
      this.#rentalUris,
      this.#table,
      this.#mask,
      this.#flat,
    );
  }
}

/** FNV-1a of a string's UTF-16 code units: what {@link InformationIndex.add} is given. */
export function idHash(id: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), FNV_PRIME);
  return hash;
}

export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;

/**
 * An {@link Information} that finds a station in the index's own table: with
 * nothing cached every scrape reads a new one, and the Map by id the join
 * made for the first station out of order (the bench's feed has 239 of
 * 2,000) was a ninth of a static scrape's CPU, and 2,000 entries surviving a
 * scavenge. Hashing only the ids out of order costs next to nothing.
 */
class Stations implements Information {
  readonly #table: Int32Array;
  readonly #mask: number;
  #bySlot: InformationStation[] | undefined;
  #byId: Map<string, InformationStation> | undefined;

  constructor(
    readonly size: number,
    readonly ids: readonly string[],
    readonly names: readonly string[],
    readonly coordinates: Float64Array,
    readonly virtual: Uint8Array,
    readonly capacities: readonly (number | undefined)[],
    readonly addresses: readonly (string | undefined)[],
    readonly postCodes: readonly (string | undefined)[],
    readonly rentalUris: readonly (Readonly<Record<string, string>> | undefined)[],
    table: Int32Array,
    mask: number,
    flat: FlatIds,
  ) {
    this.#table = table;
    this.#mask = mask;
    this.#flat = flat;
  }

  readonly #flat: FlatIds;

  sameIdAt(slot: number, bytes: Uint8Array, from: number, to: number): boolean {
    return this.#flat.same(slot, bytes, from, to);
  }

  slotOf(id: string): number {
    const ids = this.ids;
    const table = this.#table;
    const mask = this.#mask;
    let at = idHash(id) & mask;
    for (let held = table[at]!; held !== -1; held = table[at]!) {
      if (ids[held] === id) return held;
      at = (at + 1) & mask;
    }
    return -1;
  }

  slotOfBytes(bytes: Uint8Array, from: number, to: number): number {
    // FNV-1a of the bytes is idHash of the string when they are ASCII; an id
    // that is not is decoded and looked up as a string.
    let hash = FNV_OFFSET;
    for (let b = from; b < to; b++) {
      const c = bytes[b]!;
      if (c >= 0x80) return this.slotOf(utf8.decode(bytes.subarray(from, to)));
      hash = Math.imul(hash ^ c, FNV_PRIME);
    }
    const table = this.#table;
    const mask = this.#mask;
    let at = hash & mask;
    for (let held = table[at]!; held !== -1; held = table[at]!) {
      if (this.sameIdAt(held, bytes, from, to)) return held;
      at = (at + 1) & mask;
    }
    return -1;
  }

  find(id: string): InformationStation | undefined {
    const slot = this.slotOf(id);
    return slot === -1 ? undefined : this.bySlot[slot];
  }

  get bySlot(): readonly InformationStation[] {
    if (this.#bySlot === undefined) {
      const bySlot: InformationStation[] = [];
      for (let slot = 0; slot < this.size; slot++) {
        bySlot.push({
          id: this.ids[slot]!,
          name: this.names[slot]!,
          latitude: this.coordinates[2 * slot]!,
          longitude: this.coordinates[2 * slot + 1]!,
          slot,
          virtual: this.virtual[slot] === 1,
          slots: this.capacities[slot],
          address: this.addresses[slot],
          postCode: this.postCodes[slot],
          rentalUris: this.rentalUris[slot],
        });
      }
      this.#bySlot = bySlot;
    }
    return this.#bySlot;
  }

  get byId(): ReadonlyMap<string, InformationStation> {
    if (this.#byId === undefined) {
      const byId = new Map<string, InformationStation>();
      for (const station of this.bySlot) byId.set(station.id, station);
      this.#byId = byId;
    }
    return this.#byId;
  }
}

const STATIONS = "data.stations";

/** Reads station_information: every station checked, indexed by id. */
export function readInformation(document: unknown, url: string): Information {
  const stations = stationList(document, url);
  const index = new InformationIndex(stations.length);
  const lastUris = new LastUris();
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
    const hash = idHash(id);
    index.add(
      hash,
      id,
      name,
      latitude,
      longitude,
      virtual,
      capacity,
      address,
      postCode,
      rentalUris,
    );
  }
  return index.done();
}

/** The rental URIs of the station before, reused when a station has the very same (most do). */
export class LastUris {
  android: unknown = null;
  ios: unknown = null;
  web: unknown = null;
  uris: Readonly<Record<string, string>> | undefined = undefined;
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
  return sharedUris(android, ios, web, last, url, index);
}

/**
 * A station's `rental_uris` from its three members (undefined when absent):
 * the station before's object when they are the very same values, else a new
 * frozen one, or a FeedError naming one that is not a string.
 */
export function sharedUris(
  android: unknown,
  ios: unknown,
  web: unknown,
  last: LastUris,
  url: string,
  index: number,
): Readonly<Record<string, string>> {
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
