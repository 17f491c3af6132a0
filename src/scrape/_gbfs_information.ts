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

/** One station of station_information, as every scrape of the same body reuses it. */
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

/** station_information, read: the stations by id (a repeated id: the last one, in the first one's place). */
export interface Information {
  readonly byId: ReadonlyMap<string, InformationStation>;
  /** `byId.get(id)`, without making `byId`. */
  find(id: string): InformationStation | undefined;
  /** The same stations by slot. */
  readonly bySlot: readonly InformationStation[];
  /** Distinct station ids. */
  readonly size: number;
}

/**
 * The stations read so far, as both readers add them: a repeated id is told by
 * a table of slots by the id's hash (the caller's {@link idHash}, which a
 * scanner computes from the bytes it reads): a Map by id, made for every body
 * read, was a third of reading one, and the join needs it only for a station
 * out of order.
 */
export class InformationIndex {
  readonly #bySlot: InformationStation[] = [];
  readonly #table: Int32Array;
  readonly #mask: number;

  /** `most`: how many stations at most will be added. */
  constructor(most: number) {
    let size = 16;
    while (size < most * 2) size *= 2;
    this.#table = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
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
  ): void {
    const bySlot = this.#bySlot;
    const table = this.#table;
    const mask = this.#mask;
    let at = hash & mask;
    let slot = -1;
    for (let held = table[at]!; held !== -1; held = table[at]!) {
      if (bySlot[held]!.id === id) {
        slot = held;
        break;
      }
      at = (at + 1) & mask;
    }
    if (slot === -1) {
      slot = bySlot.length;
      table[at] = slot;
    }
    bySlot[slot] = {
      id,
      name,
      latitude,
      longitude,
      slot,
      virtual,
      slots,
      address,
      postCode,
      rentalUris,
    };
  }

  done(): Information {
    return new Stations(this.#bySlot, this.#table, this.#mask);
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
 * scavenge. Hashing only the ids out of order costs next to nothing. `byId`
 * is made when asked for (only by tests).
 */
class Stations implements Information {
  readonly bySlot: readonly InformationStation[];
  readonly size: number;
  readonly #table: Int32Array;
  readonly #mask: number;
  #byId: Map<string, InformationStation> | undefined;

  constructor(bySlot: readonly InformationStation[], table: Int32Array, mask: number) {
    this.bySlot = bySlot;
    this.size = bySlot.length;
    this.#table = table;
    this.#mask = mask;
  }

  find(id: string): InformationStation | undefined {
    const bySlot = this.bySlot;
    const table = this.#table;
    const mask = this.#mask;
    let at = idHash(id) & mask;
    for (let held = table[at]!; held !== -1; held = table[at]!) {
      const station = bySlot[held]!;
      if (station.id === id) return station;
      at = (at + 1) & mask;
    }
    return undefined;
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
