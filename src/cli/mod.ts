/**
 * The command line: `spoke run | demo | sub | networks | config check | selftest | version`.
 *
 * @example
 * ```ts
 * import { main } from "./mod.ts";
 * const code = await main(["version"]);
 * console.log(code); // 0
 * ```
 * @module
 */
export { main } from "./main.ts";
export { describeUpdate } from "./sub.ts";
