/**
 * The catalog: the networks Spoke ships with (data in `config/catalog/`,
 * imported statically) merged with the user's and filtered.
 *
 * @example
 * ```ts
 * import { resolveCatalog } from "./mod.ts";
 * const networks = resolveCatalog({ builtin: true, include: ["gbfs::.*"] });
 * console.log(networks.length > 0); // true
 * ```
 * @module
 */
export { builtinNetworks, networkKey, resolveCatalog } from "./catalog.ts";
export type { CatalogOptions } from "./catalog.ts";
