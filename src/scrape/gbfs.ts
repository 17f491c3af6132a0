/**
 * The GBFS scraper (class `gbfs`), for GBFS 1.x (pre-standard feeds such as
 * Vélib's included), 2.x and 3.x: `gbfs.json` discovery, then
 * system_information, station_information, station_status, vehicle_types and
 * free_bike_status / vehicle_status fetched together, validated, and joined by
 * station_id into one CityBikes network with its free-floating vehicles.
 */
import { getLogger } from "@logtape/logtape";
import type * as v from "valibot";
import { FeedError } from "./feed_error.ts";
import { fetchDocument, type FetchOptions } from "./http.ts";
import type { Network, NetworkLocation, NetworkSpec, Station, Vehicle } from "./network.ts";
import { NotModified } from "./not_modified.ts";
import type { ScrapeContext } from "./scraper.ts";
import { parseFeed } from "./_parse_feed.ts";
import {
  discoveryV2,
  discoveryV3,
  type FeedVehicle,
  freeBikeStatus,
  stationInformation,
  stationStatusV2,
  stationStatusV3,
  systemInformation,
  vehicleStatus,
  vehicleTypes,
  versionProbe,
} from "./_gbfs_schemas.ts";
import { toStation, vehicleKind } from "./_gbfs_station.ts";
import { toVehicle } from "./_gbfs_vehicle.ts";

const logger = getLogger(["spoke", "scrape"]);

/** The feeds a GBFS system lists in its `gbfs.json`, by name, as absolute URLs. */
interface Discovery {
  major: 1 | 2 | 3;
  feeds: Map<string, string>;
}

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
  const vehiclesSchema = feed("vehicle_status") !== undefined ? vehicleStatus : freeBikeStatus;
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
  const statusSchema = discovery.major === 3 ? stationStatusV3 : stationStatusV2;
  const options: FetchOptions = { freshness: "gbfs", consumer };

  const [system, information, status, types, vehicles] = await allOrNothing(ctx, (sub) =>
    [
      optionalFeed(systemUrl, systemInformation, sub, options),
      optionalFeed(informationUrl, stationInformation, sub, options),
      optionalFeed(statusUrl, statusSchema, sub, options),
      optionalFeed(typesUrl, vehicleTypes, sub, options),
      informationUrl === undefined
        ? optionalFeed(vehiclesUrl, vehiclesSchema, sub, options)
        : supplementary(optionalFeed(vehiclesUrl, vehiclesSchema, sub, options), spec, sub),
    ] as const);
  if (![system, information, status, types, vehicles].some((fetched) => fetched?.changed)) {
    throw new NotModified(consumer);
  }

  const kinds = new Map(
    (types?.data.data.vehicle_types ?? []).map((
      type,
    ) => [type.vehicle_type_id, vehicleKind(type)]),
  );
  const stations = information === undefined || status === undefined
    ? []
    : joinStations(spec, information.data, status.data, kinds, statusUrl!);
  const vehicleList = vehicles === undefined
    ? undefined
    : freeVehicles(vehicles.data, kinds, spec.tag);
  if (stations.length === 0 && (vehicleList?.length ?? 0) === 0) {
    throw new FeedError(spec.url, "empty network: no stations and no free-floating vehicles");
  }

  const operator = system?.data.data.operator;
  const network: Network = {
    id: spec.tag,
    tag: spec.tag,
    name: spec.name || system?.data.data.name || spec.tag,
    href: `/v2/networks/${spec.tag}`,
    location: { ...centroid(stations.length > 0 ? stations : vehicleList ?? []), ...spec.location },
    company: spec.company ?? (operator ? [operator] : []),
    stations,
  };
  if (vehicleList !== undefined) network.vehicles = vehicleList;
  for (const fetched of [system, information, status, types, vehicles]) fetched?.seen();
  return network;
}

type Information = v.InferOutput<typeof stationInformation>;
type Status = v.InferOutput<typeof stationStatusV2 | typeof stationStatusV3>;

function joinStations(
  spec: NetworkSpec,
  information: Information,
  status: Status,
  kinds: Map<string, ReturnType<typeof vehicleKind>>,
  statusUrl: string,
): Station[] {
  const feedSeconds = status.last_updated ?? status.lastUpdatedOther ?? Date.now() / 1000;
  const statusById = new Map(status.data.stations.map((s) => [s.station_id, s]));
  const infoById = new Map(information.data.stations.map((s) => [s.station_id, s]));

  const stations: Station[] = [];
  for (const info of infoById.values()) {
    const stationStatus = statusById.get(info.station_id);
    if (stationStatus !== undefined) {
      stations.push(toStation(info, stationStatus, kinds, feedSeconds));
    }
  }
  const orphans = [...statusById.keys()].filter((id) => !infoById.has(id));
  if (orphans.length > 0) {
    logger.warn(
      "{tag}: dropped {count} station(s) of station_status missing from station_information: {ids}",
      { tag: spec.tag, count: orphans.length, ids: sample(orphans), url: statusUrl },
    );
  }
  // Both feeds list stations and none is in both: the feeds disagree, and
  // publishing an empty network would hide it.
  if (stations.length === 0 && (statusById.size > 0 || infoById.size > 0)) {
    throw new FeedError(
      spec.url,
      `no stations: station_status lists ${statusById.size}, station_information ${infoById.size}, none in both`,
    );
  }
  logger.debug("{tag}: {count} stations ({unreported} without status)", {
    tag: spec.tag,
    count: stations.length,
    unreported: infoById.size - stations.length,
  });
  return stations;
}

function freeVehicles(
  document: { last_updated?: number | null; data: Record<string, unknown> },
  kinds: Map<string, ReturnType<typeof vehicleKind>>,
  tag: string,
): Vehicle[] {
  const raw = (document.data.bikes ?? document.data.vehicles) as FeedVehicle[];
  const feedSeconds = document.last_updated ?? Date.now() / 1000;
  const vehicles: Vehicle[] = [];
  for (const item of raw) {
    const vehicle = toVehicle(item, kinds, feedSeconds);
    if (vehicle !== undefined) vehicles.push(vehicle);
  }
  logger.debug("{tag}: {count} free-floating vehicles of {listed} listed", {
    tag,
    count: vehicles.length,
    listed: raw.length,
  });
  return vehicles;
}

async function discover(url: string, ctx: ScrapeContext): Promise<Discovery> {
  const { document } = await fetchDocument(url, ctx, { freshness: "discovery" });
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
    logger.warn("{tag}: vehicles left out: {message}", {
      tag: spec.tag,
      message: error.message,
      url: error.url,
    });
    return undefined;
  }
}

/** A validated feed document and whether this network has seen it before; undefined when not listed. */
async function optionalFeed<TSchema extends v.GenericSchema>(
  url: string | undefined,
  schema: TSchema,
  ctx: ScrapeContext,
  options: FetchOptions,
): Promise<{ data: v.InferOutput<TSchema>; changed: boolean; seen(): void } | undefined> {
  if (url === undefined) return undefined;
  const fetched = await fetchDocument(url, ctx, options);
  return { ...fetched, data: parseFeed(schema, fetched.document, url) };
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
  const sum = stations.reduce(
    (acc, s) => ({ lat: acc.lat + s.latitude, lon: acc.lon + s.longitude }),
    { lat: 0, lon: 0 },
  );
  return {
    city: "",
    country: "",
    latitude: sum.lat / stations.length,
    longitude: sum.lon / stations.length,
  };
}

function sample(ids: readonly string[]): string {
  return ids.length <= 5 ? ids.join(", ") : `${ids.slice(0, 5).join(", ")}, …`;
}
