/**
 * The GBFS scraper (class `gbfs`), for GBFS 1.x (pre-standard feeds such as
 * Vélib's included), 2.x and 3.x: `gbfs.json` discovery, then
 * system_information, station_information, station_status, vehicle_types and
 * free_bike_status / vehicle_status fetched together, validated, and joined by
 * station_id into one CityBikes network with its free-floating vehicles.
 */
import { getLogger } from "@logtape/logtape";
import { FeedError } from "./feed_error.ts";
import { fetchDocument, type FetchedDocument, type FetchOptions, type Reader } from "./http.ts";
import type { Network, NetworkLocation, NetworkSpec, Station, Vehicle } from "./network.ts";
import { NotModified } from "./not_modified.ts";
import type { ScrapeContext } from "./scraper.ts";
import { parseFeed } from "./_parse_feed.ts";
import {
  discoveryV2,
  discoveryV3,
  type SystemInformation,
  systemInformation,
  vehicleTypes,
  versionProbe,
} from "./_gbfs_schemas.ts";
import { type Information, readInformation } from "./_gbfs_information.ts";
import { scanInformationBytes } from "./_gbfs_information_scan.ts";
import { joinStations, type Kinds, noStationsError, vehicleKind } from "./_gbfs_station.ts";
import { readStatus, type Status } from "./_gbfs_status.ts";
import { scanStatusBytes } from "./_gbfs_status_scan.ts";
import { readVehicles, toVehicles, type VehicleList } from "./_gbfs_vehicle.ts";

const logger = getLogger(["spoke", "scrape"]);

/** The feeds a GBFS system lists in its `gbfs.json`, by name, as absolute URLs. */
interface Discovery {
  major: 1 | 2 | 3;
  feeds: ReadonlyMap<string, string>;
}

// What each document is read into. The cache keeps these and hands the same
// object to every scrape while the body does not change: nothing downstream
// may modify them.
const discoveryReader: Reader<Discovery> = { name: "gbfs/gbfs", read: readDiscovery };
const systemReader: Reader<SystemInformation> = {
  name: "gbfs/system_information",
  read: (document, url) => parseFeed(systemInformation, document, url).data,
};
const typesReader: Reader<Kinds> = {
  name: "gbfs/vehicle_types",
  read: (document, url) =>
    new Map(
      parseFeed(vehicleTypes, document, url).data.vehicle_types.map((type) => [
        type.vehicle_type_id,
        vehicleKind(type),
      ]),
    ),
};
/**
 * station_information: scanned from its bytes when it is a plain feed, else
 * parsed and read; kept when its body changes, since the next body mostly has
 * the same stations (see scanInformationBytes).
 */
const informationReader: Reader<Information> = {
  name: "gbfs/station_information",
  read: readInformation,
  readBytes: scanInformationBytes,
  keepsDocument: true,
};
/** station_status: scanned from its bytes when it is a plain feed, else parsed and read. */
function statusReader(major: 1 | 2 | 3): Reader<Status> {
  return {
    name: `gbfs/station_status/${major}`,
    read: (document, url) => readStatus(document, url, major),
    readBytes: (bytes) => scanStatusBytes(bytes, major),
  };
}
const statusReaders = { 1: statusReader(1), 2: statusReader(2), 3: statusReader(3) };
const freeBikeReader: Reader<VehicleList> = {
  name: "gbfs/free_bike_status",
  read: (document, url) => readVehicles(document, url, false),
};
const vehicleStatusReader: Reader<VehicleList> = {
  name: "gbfs/vehicle_status",
  read: (document, url) => readVehicles(document, url, true),
};
const noKinds: Kinds = new Map();

/**
 * Scrapes one GBFS network. Rejects with a {@link FeedError} naming the
 * failing document when any feed cannot be fetched or read, when the station
 * feeds share no station, or when the network has neither stations nor
 * vehicles; with {@link NotModified} (only with a `ctx.cache`) when every
 * document is one this network has already used.
 */
export async function scrapeGbfs(spec: NetworkSpec, ctx: ScrapeContext): Promise<Network> {
  const consumer = `${spec.class}::${spec.tag}`;
  const discovery = await discover(spec.url, ctx);
  const feed = (name: string) => discovery.feeds.get(name);
  const informationUrl = feed("station_information");
  const statusUrl = feed("station_status");
  const vehiclesUrl = feed("vehicle_status") ?? feed("free_bike_status");
  const vehiclesReader = feed("vehicle_status") !== undefined
    ? vehicleStatusReader
    : freeBikeReader;
  // A station feed without its pair is a broken feed; no station feed at all
  // is a free-floating system, which then needs its vehicles.
  if (informationUrl !== undefined || statusUrl !== undefined || vehiclesUrl === undefined) {
    for (const name of ["station_information", "station_status"]) {
      if (feed(name) === undefined) {
        throw new FeedError(spec.url, `gbfs.json lists no ${name} feed`);
      }
    }
  }
  const systemUrl = feed("system_information");
  const typesUrl = feed("vehicle_types");
  const options: FetchOptions = { freshness: "gbfs", consumer };

  const [system, information, status, types, vehicles] = await allOrNothing(ctx, (sub) =>
    [
      optionalFeed(systemUrl, systemReader, sub, options),
      optionalFeed(informationUrl, informationReader, sub, options),
      optionalFeed(statusUrl, statusReaders[discovery.major], sub, options),
      optionalFeed(typesUrl, typesReader, sub, options),
      informationUrl === undefined
        ? optionalFeed(vehiclesUrl, vehiclesReader, sub, options)
        : supplementary(optionalFeed(vehiclesUrl, vehiclesReader, sub, options), spec, sub),
    ] as const);
  if (![system, information, status, types, vehicles].some((fetched) => fetched?.changed)) {
    throw new NotModified(consumer);
  }

  const kinds = types?.document ?? noKinds;
  const stations = information === undefined || status === undefined
    ? []
    : stationsOf(spec, information.document, status.document, kinds, statusUrl!);
  let vehicleList: Vehicle[] | undefined;
  if (vehicles !== undefined) {
    try {
      vehicleList = freeVehicles(vehicles.document, kinds, spec.tag, vehiclesUrl!);
    } catch (error) {
      // As for a vehicles feed that cannot be fetched: beside stations, extra.
      if (!(error instanceof FeedError) || informationUrl === undefined) throw error;
      warnVehiclesLeftOut(spec, error);
    }
  }
  if (stations.length === 0 && (vehicleList?.length ?? 0) === 0) {
    throw new FeedError(spec.url, "empty network: no stations and no free-floating vehicles");
  }

  const operator = system?.document.operator;
  const network: Network = {
    id: spec.tag,
    tag: spec.tag,
    name: spec.name || system?.document.name || spec.tag,
    href: `/v2/networks/${spec.tag}`,
    location: { ...centroid(stations.length > 0 ? stations : vehicleList ?? []), ...spec.location },
    company: spec.company ?? (operator ? [operator] : []),
    stations,
  };
  if (vehicleList !== undefined) network.vehicles = vehicleList;
  for (const fetched of [system, information, status, types, vehicles]) fetched?.seen();
  return network;
}

function stationsOf(
  spec: NetworkSpec,
  information: Information,
  status: Status,
  kinds: Kinds,
  statusUrl: string,
): Station[] {
  const feedSeconds = status.lastUpdated ?? Date.now() / 1000;
  const joined = joinStations(information, status, kinds, feedSeconds);
  const { stations, orphans } = joined;
  if (orphans.length > 0) {
    logger.warn(
      "{tag}: dropped {count} station(s) of station_status missing from station_information: {ids}",
      { tag: spec.tag, count: orphans.length, ids: sample(orphans), url: statusUrl },
    );
  }
  // Both feeds list stations and none is in both: the feeds disagree, and
  // publishing an empty network would hide it.
  if (stations.length === 0 && (joined.statusSize > 0 || information.size > 0)) {
    throw noStationsError(spec.url, joined, information);
  }
  logger.debug("{tag}: {count} stations ({unreported} without status)", {
    tag: spec.tag,
    count: stations.length,
    unreported: information.size - stations.length,
  });
  return stations;
}

function freeVehicles(document: VehicleList, kinds: Kinds, tag: string, url: string): Vehicle[] {
  const vehicles = toVehicles(document, kinds, document.lastUpdated ?? Date.now() / 1000, url);
  logger.debug("{tag}: {count} free-floating vehicles of {listed} listed", {
    tag,
    count: vehicles.length,
    listed: document.vehicles.length,
  });
  return vehicles;
}

async function discover(url: string, ctx: ScrapeContext): Promise<Discovery> {
  return (await fetchDocument(url, ctx, { freshness: "discovery", read: discoveryReader }))
    .document;
}

function readDiscovery(document: unknown, url: string): Discovery {
  const { version } = parseFeed(versionProbe, document, url);
  // `version` appeared in 1.1; without it the document has the 1.0 shape.
  const major = version == null
    ? 1
    : version.startsWith("3.")
    ? 3
    : version.startsWith("1.")
    ? 1
    : 2;
  let entries: { name: string; url: string }[];
  if (major === 3) {
    entries = parseFeed(discoveryV3, document, url).data.feeds;
  } else {
    const languages = parseFeed(discoveryV2, document, url).data;
    const language = "en" in languages ? "en" : Object.keys(languages)[0];
    const chosen = language === undefined ? undefined : languages[language];
    if (chosen === undefined) throw new FeedError(url, "data lists no language");
    entries = chosen.feeds;
  }
  const feeds = new Map<string, string>();
  for (const entry of entries) {
    // Relative feed URLs are legal: they resolve against gbfs.json itself.
    if (!URL.canParse(entry.url, url)) {
      throw new FeedError(
        url,
        `feed ${entry.name} has an invalid URL ${JSON.stringify(entry.url)}`,
      );
    }
    feeds.set(entry.name, new URL(entry.url, url).href);
  }
  return { major, feeds };
}

/**
 * Beside stations, free-floating vehicles are extra: a vehicles feed that
 * fails (often one behind a key, or gone) costs the network its `vehicles`
 * (left out: unknown, not none) and a warning, never its station numbers.
 */
async function supplementary<T>(
  fetching: Promise<T | undefined>,
  spec: NetworkSpec,
  ctx: ScrapeContext,
): Promise<T | undefined> {
  try {
    return await fetching;
  } catch (error) {
    if (!(error instanceof FeedError) || ctx.signal.aborted) throw error;
    warnVehiclesLeftOut(spec, error);
    return undefined;
  }
}

function warnVehiclesLeftOut(spec: NetworkSpec, error: FeedError): void {
  logger.warn("{tag}: vehicles left out: {message}", {
    tag: spec.tag,
    message: error.message,
    url: error.url,
  });
}

/** A feed document as read, and whether this network has seen it before; undefined when not listed. */
async function optionalFeed<T>(
  url: string | undefined,
  read: Reader<T>,
  ctx: ScrapeContext,
  options: FetchOptions,
): Promise<FetchedDocument<T> | undefined> {
  return url === undefined ? undefined : await fetchDocument(url, ctx, { ...options, read });
}

/**
 * Runs the requests together; the first failure aborts the others and is the
 * one reported. Waits for all of them to settle, so nothing is left in flight
 * (or unread) after a scrape returns.
 */
async function allOrNothing<const T extends readonly unknown[]>(
  ctx: ScrapeContext,
  start: (sub: ScrapeContext) => T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const stop = new AbortController();
  const sub = { ...ctx, signal: AbortSignal.any([ctx.signal, stop.signal]) };
  let failure: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    start(sub).map((task) =>
      Promise.resolve(task).catch((error: unknown) => {
        failure ??= { error };
        stop.abort();
        throw error;
      })
    ),
  );
  if (failure !== undefined) throw failure.error;
  return settled.map((result) => result.status === "fulfilled" ? result.value : undefined) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

/** Where the network is when the spec does not say: the middle of its stations. */
function centroid(
  stations: readonly { latitude: number; longitude: number }[],
): NetworkLocation {
  let lat = 0;
  let lon = 0;
  for (const station of stations) {
    lat += station.latitude;
    lon += station.longitude;
  }
  return {
    city: "",
    country: "",
    latitude: lat / stations.length,
    longitude: lon / stations.length,
  };
}

function sample(ids: readonly string[]): string {
  return ids.length <= 5 ? ids.join(", ") : `${ids.slice(0, 5).join(", ")}, …`;
}
