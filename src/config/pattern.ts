/**
 * Anchored regular expressions on `<class>::<tag>`, the one matching language
 * of the config (`[[rules]] match`, `[catalog] include` / `exclude`).
 */

// A plan is computed for every network of the catalog (thousands on a full
// catalog), so each pattern is compiled once per process, not once per call.
const compiled = new Map<string, RegExp>();

/**
 * The anchored form `^(?:pattern)$` of a config pattern, compiled once and cached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { anchoredRegex } from "./mod.ts";
 *
 * assert.ok(anchoredRegex("gbfs::.*").test("gbfs::citi-bike-nyc"));
 * assert.ok(!anchoredRegex("gbfs").test("gbfs::citi-bike-nyc"));
 * ```
 */
export function anchoredRegex(pattern: string): RegExp {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = new RegExp(`^(?:${pattern})$`);
    compiled.set(pattern, regex);
  }
  return regex;
}

/**
 * Whether a pattern compiles both alone and anchored. Both are needed: a
 * pattern such as `a)|(?:b` is invalid alone but would compile once wrapped,
 * and silently lose its anchoring.
 */
export function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern);
    anchoredRegex(pattern);
    return true;
  } catch {
    return false;
  }
}

/** The key a pattern is matched against: `<class>::<tag>`. */
export function matchKey(cls: string, tag: string): string {
  return `${cls}::${tag}`;
}
