/**
 * Spoke's configuration: one file (TOML or JSON) validated by one valibot
 * schema, overlaid by `SPOKE_*` env vars and then by command-line flags
 * (flags win), plus what the `[[rules]]` say about one network.
 *
 * - {@link loadConfig}: file → env → flags, the entry point of `spoke run`.
 * - {@link parseConfigText}: the text of one file (`spoke config check`).
 * - {@link planFor}: the effective schedule and limits of `<class>::<tag>`.
 * - {@link isIncluded}: the `[catalog]` include / exclude filter.
 * - {@link ConfigError}: every failure, one line naming source, field and value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig, planFor } from "./mod.ts";
 *
 * const { config } = await loadConfig({ env: { SPOKE_LOG_LEVEL: "debug" } });
 * assert.equal(config.log.level, "debug");
 * assert.equal(planFor(config, "gbfs", "citi-bike-nyc").queue, "default");
 * ```
 *
 * @module
 */

export { ConfigError, type ConfigErrorDetail } from "./config_error.ts";
export { type Config, LOG_LEVELS, type LogLevel, type NetworkEntry, type Rule } from "./schema.ts";
export { defaultConfig, parseConfigText } from "./parse.ts";
export { loadConfig, type LoadOptions } from "./load.ts";
export { type ConfigFlags, envVarNames } from "./overlay.ts";
export { type EffectivePlan, type PlanField, planFor } from "./plan.ts";
export { isIncluded } from "./catalog_filter.ts";
export { anchoredRegex } from "./pattern.ts";
export { readPemFile } from "./pem_file.ts";
