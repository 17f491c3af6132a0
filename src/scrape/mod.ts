/**
 * Scraping: fetch one network's feeds and return it in the CityBikes v2 shape.
 * One module per system class (`gbfs.ts`, …), a shared HTTP client with the
 * task's signal and a size cap (`http.ts`), one error type ({@link FeedError})
 * and a registry from class name to scraper. A scraper knows nothing of MQTT,
 * queues or schedules.
 *
 * @example
 * ```ts
 * import { FeedError, type Network, type NetworkSpec, scraperFor } from "./mod.ts";
 *
 * async function scrapeOnce(spec: NetworkSpec): Promise<Network | undefined> {
 *   const scrape = scraperFor(spec.class);
 *   if (scrape === undefined) return undefined;
 *   const ctx = { signal: AbortSignal.timeout(30_000), maxBytes: 16 * 1024 * 1024, userAgent: "spoke/0.1.0" };
 *   try {
 *     return await scrape(spec, ctx);
 *   } catch (error) {
 *     if (error instanceof FeedError) return undefined; // error.url, error.reason
 *     throw error;
 *   }
 * }
 * ```
 * @module
 */

/**
 * The data contracts: a {@link NetworkSpec} goes in, a {@link Network} (with
 * its {@link Station}s, {@link NetworkLocation} and optional {@link Vehicle}s)
 * comes out.
 *
 * @example
 * ```ts
 * import type { Network, NetworkSpec } from "./mod.ts";
 * const spec: NetworkSpec = { class: "gbfs", tag: "my-city", name: "My City", url: "https://example.org/gbfs.json" };
 * const empty: Network = {
 *   id: spec.tag, tag: spec.tag, name: spec.name, href: `/v2/networks/${spec.tag}`,
 *   location: { city: "Madrid", country: "ES", latitude: 40.41, longitude: -3.7 },
 *   company: [], stations: [],
 * };
 * ```
 */
export type { Network, NetworkLocation, NetworkSpec, Station, Vehicle } from "./network.ts";

/**
 * A scraper and what it is given.
 *
 * @example
 * ```ts
 * import type { Scraper, ScrapeContext } from "./mod.ts";
 * const ctx: ScrapeContext = { signal: new AbortController().signal, maxBytes: 1 << 24, userAgent: "spoke/0.1.0" };
 * const fixed: Scraper = (spec) =>
 *   Promise.resolve({
 *     id: spec.tag, tag: spec.tag, name: spec.name, href: `/v2/networks/${spec.tag}`,
 *     location: { city: "", country: "", latitude: 0, longitude: 0 }, company: [], stations: [],
 *   });
 * ```
 */
export type { ScrapeContext, Scraper } from "./scraper.ts";

/**
 * The error of a feed that could not be fetched or read; `url` and `reason`
 * are also fields.
 *
 * @example
 * ```ts
 * import { FeedError } from "./mod.ts";
 * const error = new FeedError("https://example.org/station_status.json", "HTTP 500");
 * error.message; // "feed https://example.org/station_status.json: HTTP 500"
 * ```
 */
export { FeedError } from "./feed_error.ts";

/**
 * GETs and parses one JSON document with the task's signal and a size cap.
 *
 * @example
 * ```ts
 * import { fetchJson, type ScrapeContext } from "./mod.ts";
 *
 * async function ttlOf(url: string, ctx: ScrapeContext): Promise<number | undefined> {
 *   const document = await fetchJson(url, ctx); // FeedError on any failure
 *   const ttl = (document as { ttl?: unknown }).ttl;
 *   return typeof ttl === "number" ? ttl : undefined;
 * }
 * ```
 */
export { fetchJson } from "./http.ts";

/**
 * The GBFS 1.x/2.x/3.x scraper (class `gbfs`): stations and free-floating vehicles.
 *
 * @example
 * ```ts
 * import { scrapeGbfs } from "./mod.ts";
 *
 * async function divvyBikes(signal: AbortSignal): Promise<number> {
 *   const spec = { class: "gbfs", tag: "divvy", name: "Divvy", url: "https://gbfs.lyft.com/gbfs/2.3/chi/gbfs.json" };
 *   const network = await scrapeGbfs(spec, { signal, maxBytes: 1 << 24, userAgent: "spoke/0.1.0" });
 *   return network.stations.reduce((sum, station) => sum + station.free_bikes, 0);
 * }
 * ```
 */
export { scrapeGbfs } from "./gbfs.ts";

/**
 * The Nextbike scraper (class `nextbike`): one city (`city_uid`) of a domain's
 * live feed, JSON or XML.
 *
 * @example
 * ```ts
 * import { FeedCache, scrapeNextbike } from "./mod.ts";
 *
 * async function leipzigBikes(signal: AbortSignal, cache: FeedCache): Promise<number> {
 *   const url = "https://maps.nextbike.net/maps/nextbike-live.json?domains=le";
 *   const spec = { class: "nextbike", tag: "nextbike-leipzig", name: "", url, "city_uid": 1 };
 *   const ctx = { signal, maxBytes: 1 << 24, userAgent: "spoke/0.1.0", cache };
 *   const network = await scrapeNextbike(spec, ctx); // every city of "le" shares one request
 *   return network.stations.reduce((sum, station) => sum + station.free_bikes, 0);
 * }
 * ```
 */
export { NEXTBIKE_SHARE_S, scrapeNextbike } from "./nextbike.ts";

/**
 * The cities of a Nextbike domain feed (uid, name, alias, country,
 * coordinates): what an `each_city` network entry splits into.
 *
 * @example
 * ```ts
 * import { FeedCache, nextbikeCities } from "./mod.ts";
 *
 * async function ruhrCities(signal: AbortSignal): Promise<string[]> {
 *   const url = "https://maps.nextbike.net/maps/nextbike-live.json?domains=mr";
 *   const ctx = { signal, maxBytes: 1 << 24, userAgent: "spoke/0.1.0" };
 *   return (await nextbikeCities(url, ctx)).map((city) => city.name); // ["Dortmund", "Bochum", …]
 * }
 * ```
 */
export { nextbikeCities, type NextbikeCityInfo } from "./nextbike_cities.ts";

/**
 * What tasks share: the documents fetched (validators, ttl, one request per
 * URL in flight) and the per-host limit.
 *
 * @example
 * ```ts
 * import { FeedCache, HostLimiter, type ScrapeContext } from "./mod.ts";
 * const cache = new FeedCache({ maxBytes: 32 << 20, maxTtlS: 300, discoveryTtlS: 3600 });
 * const hosts = new HostLimiter(2);
 * const ctx: ScrapeContext = {
 *   signal: AbortSignal.timeout(30_000), maxBytes: 1 << 24, userAgent: "spoke/0.1.0", cache, hosts,
 *   headers: { "X-Api-Key": "secret" },
 * };
 * ```
 */
export { FeedCache, type FeedCacheOptions } from "./feed_cache.ts";
export { HostLimiter } from "./host_limiter.ts";

/**
 * Thrown instead of a network when nothing changed since this network's last
 * scrape (with a cache only): not a failure, nothing to publish.
 *
 * @example
 * ```ts
 * import { NotModified, type Network } from "./mod.ts";
 * async function fresh(scrape: () => Promise<Network>): Promise<Network | undefined> {
 *   try {
 *     return await scrape();
 *   } catch (error) {
 *     if (error instanceof NotModified) return undefined; // keep what was published
 *     throw error;
 *   }
 * }
 * ```
 */
export { NotModified } from "./not_modified.ts";

/**
 * Spoke's own HTTP/1.1 client, shared by every task through
 * `ScrapeContext.http`: kept-alive connections, about half of fetch's CPU
 * per small GET. Close it when done; an idle one never holds the process open.
 *
 * @example
 * ```ts
 * import { HttpClient, type ScrapeContext } from "./mod.ts";
 * const http = new HttpClient({ maxIdlePerOrigin: 4 });
 * const ctx: ScrapeContext = {
 *   signal: AbortSignal.timeout(30_000), maxBytes: 1 << 24, userAgent: "spoke/0.1.0", http,
 * };
 * // … scrape with ctx …
 * http.close();
 * ```
 */
export {
  HttpClient,
  HttpClientError,
  type HttpClientOptions,
  type HttpResponse,
  type ResponseHeaders,
  ResponseTooLarge,
} from "./http_client.ts";

/**
 * GETs one document (JSON, XML or text) with the cache of the context, and
 * says whether the asking network has seen it. With a {@link Reader}, the
 * document is what the reader made of the parsed body, and the cache reuses
 * it while the body stays byte-identical (or the server answers 304).
 *
 * @example
 * ```ts
 * import { FeedError, fetchDocument, type Reader, type ScrapeContext } from "./mod.ts";
 * async function changed(url: string, ctx: ScrapeContext): Promise<boolean> {
 *   const fetched = await fetchDocument(url, ctx, { freshness: "gbfs", consumer: "gbfs::x" });
 *   fetched.seen();
 *   return fetched.changed;
 * }
 * const ttl: Reader<number> = {
 *   name: "example/ttl",
 *   read(document, url) {
 *     const value = (document as { ttl?: unknown }).ttl;
 *     if (typeof value !== "number") throw new FeedError(url, "ttl must be a number");
 *     return value;
 *   },
 * };
 * async function ttlOf(url: string, ctx: ScrapeContext): Promise<number> {
 *   return (await fetchDocument(url, ctx, { read: ttl })).document;
 * }
 * ```
 */
export { fetchDocument, type FetchedDocument, type FetchOptions, type Reader } from "./http.ts";

/**
 * Expands `${NAME}` in per-network header values from the environment.
 *
 * @example
 * ```ts
 * import { expandHeaders } from "./mod.ts";
 * const headers = expandHeaders({ "X-Api-Key": "${CITY_KEY}" }, (name) => name === "CITY_KEY" ? "s3cret" : undefined);
 * headers["X-Api-Key"]; // "s3cret"
 * ```
 */
export { expandHeaders, HeaderError } from "./headers.ts";

/**
 * The scraper of a class, and the classes there are.
 *
 * @example
 * ```ts
 * import { scraperClasses, scraperFor } from "./mod.ts";
 * scraperClasses(); // ["gbfs", "nextbike"]
 * scraperFor("gbfs") !== undefined; // true
 * scraperFor("nope"); // undefined
 * ```
 */
export { scraperClasses, scraperFor } from "./registry.ts";
