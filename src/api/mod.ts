/**
 * The HTTP side (Hono): CityBikes v2 routes (`/v2/networks`, `/v2/networks/:tag`),
 * `/health`, `/metrics` (Prometheus text), `/stats` and, with an admin token,
 * `/admin/*` (pause, resume, the effective config with secrets redacted).
 *
 * @example
 * ```ts
 * import { createApi } from "./mod.ts";
 * const app = createApi({
 *   networks: () => [],
 *   problems: () => [],
 *   stats: () => ({
 *     version: "0", uptimeS: 0, networks: 0, paused: 0, published: 0,
 *     scrapes: 0, failures: 0, skipped: 0, queues: [],
 *   }),
 * });
 * const response = await app.request("/health");
 * console.log(response.status); // 200
 * ```
 * @module
 */
export { createApi, MAX_BODY_BYTES } from "./app.ts";
export type { ApiSources } from "./app.ts";
export type { AdminControl, PauseTarget } from "./admin_routes.ts";
export { redactSecrets } from "./redact.ts";
export { processSample } from "./service_stats.ts";
export type {
  ExternalBrokerSample,
  HistorySample,
  ProcessSample,
  ServiceStats,
} from "./service_stats.ts";
