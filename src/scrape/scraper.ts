import type { Network, NetworkSpec } from "./network.ts";

/** What every scrape is given by its caller (the queue worker), the same for every class. */
export interface ScrapeContext {
  /** The task's signal: aborting it really cancels the requests in flight. */
  signal: AbortSignal;
  /** The largest response body accepted, in bytes (after decompression). */
  maxBytes: number;
  /** Sent as `User-Agent`, e.g. `spoke/0.1.0`. */
  userAgent: string;
}

/**
 * One scraper per system class: fetch the feeds of one network and return it
 * in the CityBikes shape, or reject with a `FeedError`.
 */
export type Scraper = (spec: NetworkSpec, ctx: ScrapeContext) => Promise<Network>;
