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
 * The GBFS 2.x/3.x station scraper (class `gbfs`).
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
 * The scraper of a class, and the classes there are.
 *
 * @example
 * ```ts
 * import { scraperClasses, scraperFor } from "./mod.ts";
 * scraperClasses(); // ["gbfs"]
 * scraperFor("gbfs") !== undefined; // true
 * scraperFor("nope"); // undefined
 * ```
 */
export { scraperClasses, scraperFor } from "./registry.ts";
