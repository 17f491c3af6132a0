/**
 * The layers above the file: `SPOKE_*` env vars, then command-line flags.
 * Each value arrives as a string, is coerced to its field's type and is
 * validated by that field's own schema, so an error names the env var or the
 * flag it came from rather than the file.
 */

import * as v from "valibot";
import { ConfigError } from "./config_error.ts";
import { issuesToError, showValue } from "./_issue.ts";
import { type Config, SCALAR_SECTIONS } from "./schema.ts";

/**
 * Command-line settings, as the CLI parsed them; each overrides the file and
 * the env.
 *
 * @example
 * ```ts
 * import type { ConfigFlags } from "./mod.ts";
 *
 * const flags: ConfigFlags = { mqttPort: "1884", host: "0.0.0.0", logLevel: "debug" };
 * ```
 */
export interface ConfigFlags {
  /** `--mqtt-port` */
  mqttPort?: string | number;
  /** `--http-port` */
  httpPort?: string | number;
  /** `--host`: the bind address of every listener. */
  host?: string;
  /** `--log-level` */
  logLevel?: string;
  /** `--broker`: the external broker URL (`[publish] broker`). */
  broker?: string;
  /** `--shard i/n` (`[catalog] shard`). */
  shard?: string;
}

type Section = keyof typeof SCALAR_SECTIONS;

interface Setting {
  section: Section;
  /** Keys under the section: `["port"]`, or `["tls", "port"]` in a nested table. */
  keys: string[];
  /** The schema of the field without its `optional` wrapper. */
  schema: v.GenericSchema;
}

/** The env var that sets the config file; not a setting of the file itself. */
const CONFIG_FILE_VAR = "SPOKE_CONFIG";
/** Sets the bind address of every listener, like `--host`. */
const HOST_VAR = "SPOKE_HOST";

/** The entries of a nested table field (`table()` in schema.ts: a pipe ending in a strict object). */
function tableEntries(schema: v.GenericSchema): Record<string, unknown> | undefined {
  type Item = { type: string; entries?: Record<string, unknown> };
  const items = (schema as { pipe?: readonly Item[] }).pipe;
  return items?.find((item) => item.type === "strict_object")?.entries;
}

// Derived from the schema so a new scalar field is settable from env at once;
// a nested table (`[mqtt.tls]`) adds its fields one level down (`SPOKE_MQTT_TLS_PORT`).
const SETTINGS = new Map<string, Setting>();
function addSettings(section: Section, keys: string[], entries: Record<string, unknown>): void {
  for (const [key, entry] of Object.entries(entries)) {
    const schema = (entry as { wrapped: v.GenericSchema }).wrapped;
    const nested = tableEntries(schema);
    if (nested !== undefined) {
      addSettings(section, [...keys, key], nested);
      continue;
    }
    SETTINGS.set(`SPOKE_${section}_${[...keys, key].join("_")}`.toUpperCase(), {
      section,
      keys: [...keys, key],
      schema,
    });
  }
}
for (const [section, entries] of Object.entries(SCALAR_SECTIONS)) {
  addSettings(section as Section, [], entries);
}

function setting(section: Section, key: string): Setting {
  return SETTINGS.get(`SPOKE_${section}_${key}`.toUpperCase())!;
}

function dotted(target: Setting): string {
  return [target.section, ...target.keys].join(".");
}

/** A string from env or argv, as the field's type; left alone when it does not fit. */
function coerce(text: string, schema: v.GenericSchema): unknown {
  if (schema.type === "boolean") {
    const lower = text.trim().toLowerCase();
    return lower === "true" ? true : lower === "false" ? false : text;
  }
  if (schema.type === "number" && /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text)) {
    return Number(text);
  }
  return text;
}

function assign(config: Config, target: Setting, raw: unknown, source: string): void {
  const value = typeof raw === "string" ? coerce(raw, target.schema) : raw;
  const result = v.safeParse(target.schema, value);
  if (!result.success) throw issuesToError(source, result.issues, [target.section, ...target.keys]);
  let table = config[target.section] as Record<string, unknown>;
  for (const key of target.keys.slice(0, -1)) {
    // The schema defaults every nested table, so the parent always exists.
    table = table[key] as Record<string, unknown>;
  }
  table[target.keys.at(-1)!] = result.output;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The env var names Spoke reads, for help texts and typo hints.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { envVarNames } from "./mod.ts";
 *
 * assert.ok(envVarNames().includes("SPOKE_MQTT_PORT"));
 * ```
 */
export function envVarNames(): string[] {
  return [CONFIG_FILE_VAR, HOST_VAR, ...SETTINGS.keys()];
}

function unknownEnvVar(name: string, value: string): ConfigError {
  const nearest = envVarNames()
    .map((known) => ({ known, distance: editDistance(name, known) }))
    .sort((a, b) => a.distance - b.distance)[0]!;
  const hint = nearest.distance <= 2 ? `; did you mean ${nearest.known}?` : "";
  return new ConfigError(
    `env ${name}`,
    `${name} is not a Spoke setting (got ${showValue(value)})${hint}`,
    { path: "", value },
  );
}

/**
 * Overlays `SPOKE_*` env vars on `config`, in place. `SPOKE_HOST` goes first
 * so that `SPOKE_MQTT_HOST` / `SPOKE_HTTP_HOST` can still override it. Any
 * other upper-case `SPOKE_*` name that is not a setting is an error, so a typo
 * does not pass silently.
 */
export function applyEnv(config: Config, env: Readonly<Record<string, string>>): void {
  const hostValue = env[HOST_VAR];
  if (hostValue !== undefined) {
    assign(config, setting("mqtt", "host"), hostValue, `env ${HOST_VAR}`);
    assign(config, setting("http", "host"), hostValue, `env ${HOST_VAR}`);
  }
  for (const [name, value] of Object.entries(env)) {
    if (!/^SPOKE_[A-Z0-9_]+$/.test(name) || name === CONFIG_FILE_VAR || name === HOST_VAR) {
      continue;
    }
    const target = SETTINGS.get(name);
    if (target === undefined) throw unknownEnvVar(name, value);
    if (target.schema.type === "array") {
      throw new ConfigError(
        `env ${name}`,
        `${dotted(target)} is a list and can only be set in the config file, got ${
          showValue(value)
        }`,
        { path: dotted(target), value },
      );
    }
    assign(config, target, value, `env ${name}`);
  }
}

/** Overlays command-line flags on `config`, in place; they win over file and env. */
export function applyFlags(config: Config, flags: ConfigFlags): void {
  if (flags.host !== undefined) {
    assign(config, setting("mqtt", "host"), flags.host, "flag --host");
    assign(config, setting("http", "host"), flags.host, "flag --host");
  }
  if (flags.mqttPort !== undefined) {
    assign(config, setting("mqtt", "port"), flags.mqttPort, "flag --mqtt-port");
  }
  if (flags.httpPort !== undefined) {
    assign(config, setting("http", "port"), flags.httpPort, "flag --http-port");
  }
  if (flags.logLevel !== undefined) {
    assign(config, setting("log", "level"), flags.logLevel, "flag --log-level");
  }
  if (flags.broker !== undefined) {
    assign(config, setting("publish", "broker"), flags.broker, "flag --broker");
  }
  if (flags.shard !== undefined) {
    assign(config, setting("catalog", "shard"), flags.shard, "flag --shard");
  }
}
