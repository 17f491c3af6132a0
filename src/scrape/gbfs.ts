/**
 * The GBFS station scraper (class `gbfs`), for GBFS 2.x and 3.x feeds:
 * `gbfs.json` discovery, then system_information, station_information,
 * station_status and vehicle_types fetched together, validated, and joined by
 * station_id into one CityBikes network.
 */
import { getLogger } from "@logtape/logtape";
import type * as v from "valibot";
import { FeedError } from "./feed_error.ts";
import { fetchJson } from "./http.ts";
import type { Network, NetworkLocation, NetworkSpec, Station } from "./network.ts";
import type { ScrapeContext } from "./scraper.ts";
import { parseFeed } from "./_parse_feed.ts";
import {
  discoveryV2,
  discoveryV3,
  stationInformation,
  stationStatusV2,
  stationStatusV3,
  systemInformation,
  vehicleTypes,
  versionProbe,
} from "./_gbfs_schemas.ts";
import { toStation, vehicleKind } from "./_gbfs_station.ts";

const logger = getLogger(["spoke", "scrape"]);

/** The feeds a GBFS system lists in its `gbfs.json`, by name, as absolute URLs. */
interface Discovery {
  major: 2 | 3;
  feeds: Map<string, string>;
}

/**
 * Scrapes one GBFS 2.x/3.x station network. Rejects with a {@link FeedError}
 * naming the failing document when any feed cannot be fetched or read, or
 * when no station is in both station_information and station_status.
 */
export async function scrapeGbfs(spec: NetworkSpec, ctx: ScrapeContext): Promise<Network> {
  const discovery = await discover(spec.url, ctx);
  const required = (name: string): string => {
    const url = discovery.feeds.get(name);
    if (url === undefined) throw new FeedError(spec.url, `gbfs.json lists no ${name} feed`);
    return url;
  };
  const informationUrl = required("station_information");
  const statusUrl = required("station_status");
  const systemUrl = discovery.feeds.get("system_information");
  const typesUrl = discovery.feeds.get("vehicle_types");
  const statusSchema = discovery.major === 3 ? stationStatusV3 : stationStatusV2;

  const [system, information, status, types] = await allOrNothing(ctx, (sub) =>
    [
      systemUrl === undefined ? undefined : fetchFeed(systemUrl, systemInformation, sub),
      fetchFeed(informationUrl, stationInformation, sub),
      fetchFeed(statusUrl, statusSchema, sub),
      typesUrl === undefined ? undefined : fetchFeed(typesUrl, vehicleTypes, sub),
    ] as const);

  const kinds = new Map(
    (types?.data.vehicle_types ?? []).map((type) => [type.vehicle_type_id, vehicleKind(type)]),
  );
  const feedSeconds = status.last_updated ?? Date.now() / 1000;
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
  if (stations.length === 0) {
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

  const operator = system?.data.operator;
  return {
    id: spec.tag,
    tag: spec.tag,
    name: spec.name || system?.data.name || spec.tag,
    href: `/v2/networks/${spec.tag}`,
    location: spec.location ?? centroid(stations),
    company: spec.company ?? (operator ? [operator] : []),
    stations,
  };
}

async function discover(url: string, ctx: ScrapeContext): Promise<Discovery> {
  const document = await fetchJson(url, ctx);
  const { version } = parseFeed(versionProbe, document, url);
  // `version` appeared in 1.1; without it the document has the 1.x/2.x shape.
  const major = version?.startsWith("3.") ? 3 : 2;
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

async function fetchFeed<TSchema extends v.GenericSchema>(
  url: string,
  schema: TSchema,
  ctx: ScrapeContext,
): Promise<v.InferOutput<TSchema>> {
  return parseFeed(schema, await fetchJson(url, ctx), url);
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
function centroid(stations: readonly Station[]): NetworkLocation {
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
