/** The `[catalog] include` / `exclude` filter on `<class>::<tag>`. */

import { anchoredRegex, matchKey } from "./pattern.ts";
import type { Config } from "./schema.ts";

/**
 * Whether network `<cls>::<tag>` passes the catalog filter: it matches some
 * `include` pattern (default `.*`) and no `exclude` pattern.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isIncluded, parseConfigText } from "./mod.ts";
 *
 * const config = parseConfigText(
 *   '[catalog]\ninclude = ["gbfs::.*"]\nexclude = ["gbfs::test-.*"]\n',
 *   "spoke.toml",
 * );
 * assert.ok(isIncluded(config, "gbfs", "citi-bike-nyc"));
 * assert.ok(!isIncluded(config, "gbfs", "test-city"));
 * assert.ok(!isIncluded(config, "nextbike", "nextbike-leipzig"));
 * ```
 */
export function isIncluded(config: Config, cls: string, tag: string): boolean {
  const key = matchKey(cls, tag);
  return config.catalog.include.some((pattern) => anchoredRegex(pattern).test(key)) &&
    !config.catalog.exclude.some((pattern) => anchoredRegex(pattern).test(key));
}
