/** The one error of the config layer. */

/**
 * What a {@link ConfigError} is about, besides its message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError, type ConfigErrorDetail } from "./mod.ts";
 *
 * const detail: ConfigErrorDetail = { path: "mqtt.port", value: "x" };
 * const error = new ConfigError("flag --mqtt-port", 'mqtt.port must be an integer, got "x"', detail);
 * assert.equal(error.exitCode, 2);
 * ```
 */
export interface ConfigErrorDetail {
  /** Field path such as `rules[2].interval`; `""` for the whole file. */
  path?: string;
  /** The offending value, as read (a string for env vars and flags). */
  value?: unknown;
  cause?: unknown;
}

/**
 * A config that cannot be used: a missing file, bad syntax, or a field that
 * breaks the schema. One message names the source, the field path and the
 * value, for example
 * `config spoke.toml: rules[2].interval must be a positive number, got "often"`.
 * The CLI exits with {@link ConfigError.exitCode}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigError, parseConfigText } from "./mod.ts";
 *
 * assert.throws(
 *   () => parseConfigText("[mqtt]\nprot = 1883\n", "spoke.toml"),
 *   (error) =>
 *     error instanceof ConfigError && error.path === "mqtt.prot" &&
 *     error.message === "config spoke.toml: unknown key mqtt.prot (got 1883)",
 * );
 * ```
 */
export class ConfigError extends Error {
  /** The process exit code for a bad config (usage error). */
  readonly exitCode = 2;
  /** `config <file>`, `env <NAME>` or `flag --<name>`: the prefix of the message. */
  readonly source: string;
  /** Field path such as `rules[2].interval`; `""` when the whole source is at fault. */
  readonly path: string;
  /** The offending value, as read. */
  readonly value: unknown;

  constructor(source: string, problem: string, detail: ConfigErrorDetail = {}) {
    super(`${source}: ${problem}`, { cause: detail.cause });
    this.name = "ConfigError";
    this.source = source;
    this.path = detail.path ?? "";
    this.value = detail.value;
  }
}
