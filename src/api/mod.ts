/**
 * The HTTP side (Hono): CityBikes v2-style routes, `/health` and `/stats`.
 *
 * @example
 * ```ts
 * import { createApi } from "./mod.ts";
 * const app = createApi({ networks: () => [], problems: () => [], stats: () => ({}) });
 * const response = await app.request("/health");
 * console.log(response.status); // 200
 * ```
 * @module
 */
export { createApi } from "./app.ts";
export type { ApiSources } from "./app.ts";
