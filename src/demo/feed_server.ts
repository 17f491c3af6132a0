import { getLogger } from "@logtape/logtape";
import { type RecordedFeedSet, recordedFeedSets } from "./recorded_feeds.ts";

const log = getLogger(["spoke", "demo"]);

/** Options of the recorded-feed server. */
export interface FeedServerOptions {
  /** Seconds between changes of the counts; 0 serves the recordings unchanged. */
  changeEveryS?: number;
  sets?: readonly RecordedFeedSet[];
}

/** A running recorded-feed server. */
export interface FeedServer {
  /** The discovery URL of each set, by set name. */
  discoveryUrls: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Serves recorded GBFS systems on 127.0.0.1 with their discovery files
 * pointing back at this server. Station counts drift a little every
 * `changeEveryS` seconds (bikes move between docks, capacity is kept), so a
 * demo shows updates flowing.
 */
export async function startFeedServer(options: FeedServerOptions = {}): Promise<FeedServer> {
  const sets = options.sets ?? recordedFeedSets;
  const changeEveryS = options.changeEveryS ?? 0;
  const startedAt = Date.now();
  const listening = Promise.withResolvers<Deno.NetAddr>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: (addr) => listening.resolve(addr),
  }, (request) => {
    const [, setName, file] = new URL(request.url).pathname.match(/^\/([^/]+)\/([a-z_]+)\.json$/) ??
      [];
    const set = sets.find((candidate) => candidate.name === setName);
    const body = set && file ? set.files[file] : undefined;
    if (!set || !file || body === undefined) {
      return Response.json({ error: "not found" }, { status: 404 });
    }
    const base = `${new URL(request.url).origin}/${set.name}`;
    if (file === "gbfs") return Response.json(rewriteDiscovery(body, base));
    if (file === "station_status" && changeEveryS > 0) {
      const tick = Math.floor((Date.now() - startedAt) / (changeEveryS * 1000));
      return Response.json(drift(body, tick, set.version));
    }
    return Response.json(body);
  });
  const addr = await listening.promise;
  const origin = `http://${addr.hostname}:${addr.port}`;
  log.info("recorded feeds on {origin}", { origin });
  return {
    discoveryUrls: Object.fromEntries(
      sets.map((set) => [set.name, `${origin}/${set.name}/gbfs.json`]),
    ),
    close: () => server.shutdown(),
  };
}

type Feed = { url: string; name: string };

/** Points every feed of a discovery file at this server. */
function rewriteDiscovery(gbfs: unknown, base: string): unknown {
  const copy = structuredClone(gbfs) as { data: Record<string, unknown> };
  const rewrite = (feeds: Feed[]) => {
    for (const feed of feeds) feed.url = `${base}/${feed.name}.json`;
  };
  if (Array.isArray(copy.data.feeds)) rewrite(copy.data.feeds as Feed[]);
  else {
    for (const language of Object.values(copy.data)) rewrite((language as { feeds: Feed[] }).feeds);
  }
  return copy;
}

interface StatusStation {
  "station_id": string;
  "num_bikes_available"?: number;
  "num_vehicles_available"?: number;
  "num_docks_available"?: number;
  "last_reported"?: number | string;
  "vehicle_types_available"?: Array<{ vehicle_type_id: string; count: number }>;
}

/**
 * Moves up to two bikes in or out of each station, the same way for the same
 * tick, keeping bikes + docks constant and the per-type counts consistent.
 */
function drift(status: unknown, tick: number, version: "2" | "3"): unknown {
  const copy = structuredClone(status) as {
    last_updated: number | string;
    data: { stations: StatusStation[] };
  };
  const nowS = Math.floor(Date.now() / 1000);
  const now = version === "3" ? new Date(nowS * 1000).toISOString().replace(".000Z", "Z") : nowS;
  copy.last_updated = now;
  copy.data.stations.forEach((station, index) => {
    const bikesField = version === "3" ? "num_vehicles_available" : "num_bikes_available";
    const bikes = station[bikesField] ?? 0;
    const docks = station.num_docks_available;
    const wanted = (hash(index, tick) % 5) - 2;
    // Only bikes of the first type move, so typed counts never go negative.
    const firstType = station.vehicle_types_available?.[0];
    const movable = firstType ? firstType.count : bikes;
    const delta = Math.max(-movable, Math.min(wanted, docks ?? wanted));
    station[bikesField] = bikes + delta;
    if (docks !== undefined) station.num_docks_available = docks - delta;
    if (firstType) firstType.count += delta;
    station.last_reported = now;
  });
  return copy;
}

function hash(index: number, tick: number): number {
  let x = (index * 374761393 + tick * 668265263) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 1274126177) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
