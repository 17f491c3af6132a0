/**
 * The demo's recorded feeds: real GBFS systems embedded in the binary and a
 * local server that serves them with counts that change over time.
 *
 * @example
 * ```ts
 * import { startFeedServer } from "./mod.ts";
 * const feeds = await startFeedServer({ changeEveryS: 10 });
 * console.log(Object.keys(feeds.discoveryUrls));
 * await feeds.close();
 * ```
 * @module
 */
export { startFeedServer } from "./feed_server.ts";
export type { FeedServer, FeedServerOptions } from "./feed_server.ts";
export { recordedFeedSets } from "./recorded_feeds.ts";
export type { RecordedFeedSet } from "./recorded_feeds.ts";
