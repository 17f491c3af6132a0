/**
 * The latest state of every network (in memory for now; node:sqlite
 * persistence comes with the serving issue).
 *
 * @example
 * ```ts
 * import { LatestStore } from "./mod.ts";
 * const store = new LatestStore();
 * store.fail("gbfs", "my-city", "feed https://example.org/gbfs.json: HTTP 500");
 * console.log(store.get("gbfs", "my-city")?.failures); // 1
 * ```
 * @module
 */
export { LatestStore } from "./latest_store.ts";
export type { NetworkState } from "./latest_store.ts";
