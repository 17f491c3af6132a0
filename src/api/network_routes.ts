import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Network } from "../scrape/mod.ts";
import type { HistoryPoint, HistoryQuery, NetworkState } from "../store/mod.ts";
import { parseHistoryQuery } from "./history_query.ts";

/** The fields of a network in the `/v2/networks` list (CityBikes leaves the stations out). */
const LIST_FIELDS = ["id", "tag", "name", "href", "location", "company"] as const;
/** The fields of one network at `/v2/networks/:tag`. */
const NETWORK_FIELDS = [...LIST_FIELDS, "stations", "vehicles"] as const;

/** Where the network routes read from. */
export interface NetworkSource {
  networks(): NetworkState[];
  byTag(tag: string): NetworkState | undefined;
  /** The station-count history; absent when no SQLite store is configured. */
  history?(query: HistoryQuery): HistoryPoint[];
}

/**
 * `?fields=id,name,href`, as CityBikes takes it: a comma list of top-level
 * fields. An empty list or an unknown field is a 400 naming the ones allowed.
 */
function parseFields(raw: string | undefined, allowed: readonly string[]): string[] | undefined {
  if (raw === undefined) return undefined;
  const fields = raw.split(",").map((field) => field.trim());
  if (fields.some((field) => field === "")) {
    throw new HTTPException(400, {
      message: `fields must be a comma-separated list of ${allowed.join(", ")}; got "${raw}"`,
    });
  }
  const unknown = fields.filter((field) => !allowed.includes(field));
  if (unknown.length > 0) {
    throw new HTTPException(400, {
      message: `unknown field "${unknown[0]}" in fields; allowed: ${allowed.join(", ")}`,
    });
  }
  return fields;
}

function pick(network: Network, fields: readonly string[]): Record<string, unknown> {
  const source = network as unknown as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  // The network's own key order, whatever order the query named them in.
  for (const [key, value] of Object.entries(source)) if (fields.includes(key)) picked[key] = value;
  return picked;
}

/**
 * The body of `/v2/networks/:tag` per snapshot. A snapshot is never changed
 * after it is stored, so a 2,000-station network is serialised once per
 * scrape instead of once per request; a new snapshot is a new key and the old
 * body goes with the old snapshot.
 */
const networkBodies = new WeakMap<Network, string>();

function networkBody(network: Network): string {
  let body = networkBodies.get(network);
  if (body === undefined) {
    body = JSON.stringify({ network });
    networkBodies.set(network, body);
  }
  return body;
}

/** `GET /v2/networks` and `GET /v2/networks/:tag`, the CityBikes v2 shapes. */
export function networkRoutes(source: NetworkSource): Hono {
  const routes = new Hono();
  routes.get("/", (c) => {
    const fields = parseFields(c.req.query("fields"), LIST_FIELDS) ?? LIST_FIELDS;
    const networks = source.networks().flatMap((state) =>
      state.network ? [pick(state.network, fields)] : []
    );
    return c.json({ networks });
  });
  routes.get("/:tag", (c) => {
    const tag = c.req.param("tag");
    const fields = parseFields(c.req.query("fields"), NETWORK_FIELDS);
    const state = source.byTag(tag);
    if (!state?.network) throw new HTTPException(404, { message: `no network with tag "${tag}"` });
    if (fields) return c.json({ network: pick(state.network, fields) });
    return c.body(networkBody(state.network), 200, { "content-type": "application/json" });
  });
  routes.get("/:tag/history", (c) => {
    const tag = c.req.param("tag");
    const query = parseHistoryQuery(c.req.query());
    if (!source.history) {
      throw new HTTPException(404, { message: "history is off: set [store] sqlite to keep it" });
    }
    const state = source.byTag(tag);
    if (!state) throw new HTTPException(404, { message: `no network with tag "${tag}"` });
    const points = source.history({ key: state.key, ...query });
    return c.json({
      network: { tag, key: state.key },
      station: query.station ?? null,
      since: query.since === undefined ? null : new Date(query.since).toISOString(),
      until: query.until === undefined ? null : new Date(query.until).toISOString(),
      // A full page may have more after it: ask again with since = the last timestamp.
      truncated: points.length === query.limit,
      history: points.map((point) => ({
        station: point.station,
        timestamp: new Date(point.at).toISOString(),
        free_bikes: point.free_bikes,
        empty_slots: point.empty_slots,
      })),
    });
  });
  return routes;
}
