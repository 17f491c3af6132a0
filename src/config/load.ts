/** Loading the config: file, then `SPOKE_*` env vars, then flags (flags win). */

import { getLogger } from "@logtape/logtape";
import { ConfigError } from "./config_error.ts";
import { checkTlsPairs } from "./_cross_checks.ts";
import { applyEnv, applyFlags, type ConfigFlags } from "./overlay.ts";
import { defaultConfig, parseConfigText } from "./parse.ts";
import type { Config } from "./schema.ts";

const logger = getLogger(["spoke", "config"]);

/**
 * Where the config comes from.
 *
 * @example
 * ```ts
 * import type { LoadOptions } from "./mod.ts";
 *
 * const options: LoadOptions = { file: "config/spoke.toml", env: {}, flags: { mqttPort: 0 } };
 * ```
 */
export interface LoadOptions {
  /** The config file (`--config`); falls back to `env.SPOKE_CONFIG`, then to the defaults. */
  file?: string;
  /** Usually `Deno.env.toObject()`; only `SPOKE_*` names are read. */
  env?: Readonly<Record<string, string>>;
  flags?: ConfigFlags;
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    const source = `config ${file}`;
    if (error instanceof Deno.errors.NotFound) {
      throw new ConfigError(source, "file not found", { value: file, cause: error });
    }
    if (error instanceof Deno.errors.IsADirectory) {
      throw new ConfigError(source, "is a directory, not a file", { value: file, cause: error });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(source, `cannot read the file: ${reason}`, { value: file, cause: error });
  }
}

/**
 * Loads the config: the file (`options.file`, else `SPOKE_CONFIG`, else none
 * and every default), then the `SPOKE_*` env vars, then the flags.
 * `source` is the file path, or `"defaults"` when there was no file.
 *
 * @throws {ConfigError} naming the file, env var or flag, the field and the value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "./mod.ts";
 *
 * const { config, source } = await loadConfig({
 *   env: { SPOKE_MQTT_PORT: "1884", SPOKE_HOST: "0.0.0.0" },
 *   flags: { mqttPort: "1885" },
 * });
 * assert.equal(source, "defaults");
 * assert.equal(config.mqtt.port, 1885);
 * assert.equal(config.http.host, "0.0.0.0");
 * ```
 */
export async function loadConfig(
  options: LoadOptions = {},
): Promise<{ config: Config; source: string }> {
  const env = options.env ?? {};
  // An empty SPOKE_CONFIG is how a shell unsets it; it means "no file".
  const file = options.file ?? (env.SPOKE_CONFIG || undefined);
  let config: Config;
  if (file === undefined) {
    config = defaultConfig();
  } else {
    config = parseConfigText(await readConfigFile(file), file);
  }
  applyEnv(config, env);
  applyFlags(config, options.flags ?? {});
  // The file alone passed its own check in parseConfigText; only SPOKE_* vars can break a pair now.
  checkTlsPairs(config, file === undefined ? "env" : `config ${file} with env`);
  const source = file ?? "defaults";
  logger.debug("Config loaded from {source}.", { source });
  return { config, source };
}
