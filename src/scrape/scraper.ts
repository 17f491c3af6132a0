import type { Network, NetworkSpec } from "./network.ts";
import type { FeedCache } from "./feed_cache.ts";
import type { HostLimiter } from "./host_limiter.ts";
import type { HttpClient } from "./http_client.ts";

/** What every scrape is given by its caller (the queue worker), the same for every class. */
export interface ScrapeContext {
  /** The task's signal: aborting it really cancels the requests in flight. */
  signal: AbortSignal;
  /** The largest response body accepted, in bytes (after decompression). */
  maxBytes: number;
  /** Sent as `User-Agent`, e.g. `spoke/0.1.0`. */
  userAgent: string;
  /**
   * Extra request headers of this network (API keys), already expanded. They
   * are sent, never logged.
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * Shared between tasks: validators for conditional GET, GBFS `ttl`, the
   * discovery file, one request per URL in flight. Without it every scrape
   * fetches everything and never reports {@link NotModified}.
   */
  cache?: FeedCache;
  /** Shared between tasks: at most N requests in flight per host. */
  hosts?: HostLimiter;
  /**
   * Shared between tasks: Spoke's own HTTP/1.1 client, kept-alive connections
   * included. Without it (or with a proxy set in the environment) requests go
   * through `fetch`.
   */
  http?: HttpClient;
}

/**
 * One scraper per system class: fetch the feeds of one network and return it
 * in the CityBikes shape, or reject with a `FeedError`, or with `NotModified`
 * when a cache is given and nothing the network is made of changed since this
 * network's last scrape.
 */
export type Scraper = (spec: NetworkSpec, ctx: ScrapeContext) => Promise<Network>;
