/** From the text of a config file to a validated {@link Config}. */

import * as v from "valibot";
import { parse as parseToml, TomlError } from "smol-toml";
import { ConfigError } from "./config_error.ts";
import { issuesToError } from "./_issue.ts";
import { findJsonSyntaxProblem } from "./_json_syntax.ts";
import { crossCheck } from "./_cross_checks.ts";
import { type Config, ConfigSchema } from "./schema.ts";

function readToml(text: string, source: string): unknown {
  try {
    return parseToml(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml appends a code excerpt on later lines; an error stays one line.
    const reason = error.message.split("\n")[0]!.replace(/^Invalid TOML document:\s*/, "");
    throw new ConfigError(
      source,
      `TOML syntax error at line ${error.line}, column ${error.column}: ${reason}`,
      { cause: error },
    );
  }
}

function readJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const problem = findJsonSyntaxProblem(text);
    const where = problem === undefined ? "" : ` at line ${problem.line}, column ${problem.column}`;
    throw new ConfigError(
      source,
      `JSON syntax error${where}: ${problem?.reason ?? error.message}`,
      { cause: error },
    );
  }
}

/**
 * Parses and validates the text of a config file. The format follows the
 * extension of `file` (`.toml` or `.json`); `file` also names the source in
 * error messages. Does not look at env vars or flags (see {@link loadConfig}).
 *
 * @throws {ConfigError} on a syntax error, a schema violation or an unknown extension.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfigText } from "./mod.ts";
 *
 * const config = parseConfigText('[mqtt]\nport = 1884\n[queues]\nslow = 1\n', "spoke.toml");
 * assert.equal(config.mqtt.port, 1884);
 * assert.equal(config.http.port, 8080);
 * assert.deepEqual(config.queues, { default: 4, slow: 1 });
 *
 * const fromJson = parseConfigText('{"log": {"level": "debug"}}', "spoke.json");
 * assert.equal(fromJson.log.level, "debug");
 * ```
 */
export function parseConfigText(text: string, file: string): Config {
  const source = `config ${file}`;
  const extension = /\.[^./\\]*$/.exec(file)?.[0].toLowerCase();
  let document: unknown;
  if (extension === ".toml") document = readToml(text, source);
  else if (extension === ".json") document = readJson(text, source);
  else {
    throw new ConfigError(source, "unsupported file type: use .toml or .json", { value: file });
  }
  const result = v.safeParse(ConfigSchema, document);
  if (!result.success) throw issuesToError(source, result.issues);
  crossCheck(result.output, source);
  return result.output;
}

/**
 * The config of an empty file: every default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultConfig } from "./mod.ts";
 *
 * const config = defaultConfig();
 * assert.equal(config.mqtt.port, 1883);
 * assert.deepEqual(config.rules, []);
 * ```
 */
export function defaultConfig(): Config {
  return v.parse(ConfigSchema, {});
}
