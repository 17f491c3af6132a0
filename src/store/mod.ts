/**
 * The state of every network: {@link LatestStore} in memory (what HTTP serves),
 * and {@link SqliteStore} on disk (node:sqlite) where `[store] sqlite` is set:
 * each network's last snapshot, restored and republished after a restart, and
 * a time series of station counts holding only the changes, with retention.
 *
 * @example
 * ```ts
 * import { LatestStore, SqliteStore } from "./mod.ts";
 * const store = new LatestStore();
 * store.fail("gbfs", "my-city", "feed https://example.org/gbfs.json: HTTP 500");
 * console.log(store.get("gbfs", "my-city")?.failures); // 1
 *
 * using disk = new SqliteStore(":memory:", { retentionDays: 30 });
 * console.log(disk.lastStates().length); // 0
 * ```
 * @module
 */
export { LatestStore } from "./latest_store.ts";
export type { NetworkState, StateListener } from "./latest_store.ts";
export { MAX_HISTORY_ROWS, SNAPSHOT_REFRESH_MS, SqliteStore } from "./sqlite_store.ts";
export type { HistoryPoint, HistoryQuery, SavedState, SqliteStoreStats } from "./sqlite_store.ts";
export { StoreError } from "./store_error.ts";
