/**
 * The one schema of a Spoke config file (TOML or JSON), in valibot. Every
 * section is optional and defaulted; unknown keys are errors at every level
 * (`strictObject`) so a typo never silently falls back to a default.
 *
 * Each message is the predicate of a sentence (`must be a positive number`):
 * `_issue.ts` prefixes the field path and appends the value.
 */

import * as v from "valibot";
import { Cron } from "croner";
import { isValidPattern } from "./pattern.ts";

/**
 * The log levels of `[log] level`, LogTape's names, least severe first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LOG_LEVELS } from "./mod.ts";
 *
 * assert.ok(LOG_LEVELS.includes("warning"));
 * ```
 */
export const LOG_LEVELS = ["trace", "debug", "info", "warning", "error", "fatal"] as const;

/**
 * One of {@link LOG_LEVELS}.
 *
 * @example
 * ```ts
 * import type { LogLevel } from "./mod.ts";
 *
 * const level: LogLevel = "debug";
 * ```
 */
export type LogLevel = typeof LOG_LEVELS[number];

const TABLE = "must be a table";
const BOOLEAN = "must be true or false";
const PORT = "must be an integer 0..65535";
const HOST = "must be a non-empty string (a bind address)";
const POSITIVE_INTEGER = "must be a positive integer";
const POSITIVE_NUMBER = "must be a positive number";
const NON_NEGATIVE = "must be a number >= 0";
const STRING = "must be a string";
const NON_EMPTY = "must be a non-empty string";
const PATTERN = "is not a valid regular expression";
const PATTERNS = "must be a list of regular expressions";
const CRON = "is not a valid cron pattern (5 or 6 fields: [seconds] minute hour day month weekday)";
const TIME_ZONE = "is not a known IANA time zone (like Europe/Madrid)";
const CLASS = "must be lower-case letters, digits, _ or - (like gbfs)";
const TAG = "must be a lower-case slug: letters, digits and -, not starting with - (like my-city)";
const QUEUE_NAME = "must be a queue name: letters, digits, _ or -";
const HTTP_URL = "must be an http(s) URL";
// MQTT's variable byte integer caps a packet at 256 MiB - 1.
const MAX_PACKET = 268_435_455;

const boolean = v.boolean(BOOLEAN);
const positiveInteger = v.pipe(
  v.number(POSITIVE_INTEGER),
  v.safeInteger(POSITIVE_INTEGER),
  v.minValue(1, POSITIVE_INTEGER),
);
const positiveNumber = v.pipe(
  v.number(POSITIVE_NUMBER),
  v.finite(POSITIVE_NUMBER),
  v.gtValue(0, POSITIVE_NUMBER),
);
const nonNegative = v.pipe(
  v.number(NON_NEGATIVE),
  v.finite(NON_NEGATIVE),
  v.minValue(0, NON_NEGATIVE),
);
const port = v.pipe(v.number(PORT), v.integer(PORT), v.minValue(0, PORT), v.maxValue(65535, PORT));
const host = v.pipe(v.string(HOST), v.regex(/^\S+$/, HOST));
const nonEmpty = v.pipe(v.string(NON_EMPTY), v.trim(), v.minLength(1, NON_EMPTY));
const pattern = v.pipe(v.string(STRING), v.check(isValidPattern, PATTERN));
const patterns = v.array(pattern, PATTERNS);

function isValidCron(expression: string): boolean {
  const fields = expression.trim().split(/\s+/);
  // Croner also takes 7 fields (years); Spoke promises 5 or 6, and nicknames.
  const nickname = fields.length === 1 && fields[0]!.startsWith("@");
  if (!nickname && (fields.length < 5 || fields.length > 6)) return false;
  try {
    new Cron(expression, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isHttpUrl(text: string): boolean {
  const url = URL.parse(text);
  return url !== null && (url.protocol === "http:" || url.protocol === "https:") &&
    url.hostname !== "";
}

// valibot's object schemas take arrays for objects (`typeof [] === "object"`);
// a TOML table or JSON object is what a section must be.
function isTable(input: unknown): input is Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input) &&
    !(input instanceof Date);
}

/** A strict table: no arrays, no unknown keys. */
function table<const TEntries extends v.ObjectEntries>(entries: TEntries) {
  return v.pipe(
    v.custom<Record<string, unknown>>(isTable, TABLE),
    v.strictObject(entries, TABLE),
  );
}

/** `[log]` */
const logEntries = {
  level: v.optional(v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(", ")}`), "info"),
};
export const LogSchema = table(logEntries);

/** `[mqtt]`: the embedded broker. */
const mqttEntries = {
  enabled: v.optional(boolean, true),
  port: v.optional(port, 1883),
  host: v.optional(host, "127.0.0.1"),
  "max_packet_size": v.optional(
    v.pipe(
      v.number(`must be an integer 1..${MAX_PACKET}`),
      v.integer(`must be an integer 1..${MAX_PACKET}`),
      v.minValue(1, `must be an integer 1..${MAX_PACKET}`),
      v.maxValue(MAX_PACKET, `must be an integer 1..${MAX_PACKET}`),
    ),
    1_048_576,
  ),
};
export const MqttSchema = table(mqttEntries);

/** `[http]`: the Hono server. */
const httpEntries = {
  enabled: v.optional(boolean, true),
  port: v.optional(port, 8080),
  host: v.optional(host, "127.0.0.1"),
};
export const HttpSchema = table(httpEntries);

/** `[catalog]` */
const catalogEntries = {
  builtin: v.optional(boolean, true),
  include: v.optional(patterns, () => [".*"]),
  exclude: v.optional(patterns, () => []),
};
export const CatalogSchema = table(catalogEntries);

/** `[scrape]` */
const scrapeEntries = {
  "max_bytes": v.optional(positiveInteger, 16_777_216),
  "user_agent": v.optional(v.string(STRING), ""),
};
export const ScrapeSchema = table(scrapeEntries);

/** `[queues]`: name = workers. The `default` queue always exists (4 workers unless set). */
export const QueuesSchema = v.pipe(
  v.custom<Record<string, unknown>>(isTable, TABLE),
  v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, QUEUE_NAME)), positiveInteger, TABLE),
  v.transform((queues): Record<string, number> => ({ default: 4, ...queues })),
);

/** One `[[rules]]` entry; every field but `match` is optional so rules can be layered. */
export const RuleSchema = table({
  match: pattern,
  enabled: v.optional(boolean),
  interval: v.optional(positiveNumber),
  cron: v.optional(v.pipe(v.string(STRING), v.check(isValidCron, CRON))),
  timezone: v.optional(v.pipe(v.string(STRING), v.check(isTimeZone, TIME_ZONE))),
  jitter: v.optional(nonNegative),
  "run_at_start": v.optional(boolean),
  priority: v.optional(v.pipe(v.number("must be an integer"), v.safeInteger("must be an integer"))),
  queue: v.optional(v.pipe(v.string(QUEUE_NAME), v.regex(/^[A-Za-z0-9_-]+$/, QUEUE_NAME))),
  concurrency: v.optional(table({
    system: v.optional(positiveInteger),
    network: v.optional(positiveInteger),
  })),
  timeout: v.optional(positiveNumber),
  "stale_after": v.optional(positiveNumber),
});

const LATITUDE = "must be a number -90..90";
const LONGITUDE = "must be a number -180..180";

/** One `[[networks]]` entry: a user network (replaces a built-in one with the same tag). */
export const NetworkEntrySchema = table({
  class: v.pipe(v.string(CLASS), v.regex(/^[a-z0-9_-]+$/, CLASS)),
  tag: v.pipe(v.string(TAG), v.regex(/^[a-z0-9][a-z0-9-]*$/, TAG)),
  name: nonEmpty,
  url: v.pipe(v.string(HTTP_URL), v.check(isHttpUrl, HTTP_URL)),
  location: v.optional(table({
    city: v.string(STRING),
    country: v.string(STRING),
    latitude: v.pipe(v.number(LATITUDE), v.minValue(-90, LATITUDE), v.maxValue(90, LATITUDE)),
    longitude: v.pipe(
      v.number(LONGITUDE),
      v.minValue(-180, LONGITUDE),
      v.maxValue(180, LONGITUDE),
    ),
  })),
  company: v.optional(v.array(v.string(STRING), "must be a list of strings")),
});

/**
 * The fields of the sections that can be set from `SPOKE_<SECTION>_<KEY>`
 * env vars, each an `optional` schema.
 */
export const SCALAR_SECTIONS = {
  log: logEntries,
  mqtt: mqttEntries,
  http: httpEntries,
  catalog: catalogEntries,
  scrape: scrapeEntries,
} as const;

/** A whole config file. */
export const ConfigSchema = table({
  log: v.optional(LogSchema, () => ({})),
  mqtt: v.optional(MqttSchema, () => ({})),
  http: v.optional(HttpSchema, () => ({})),
  catalog: v.optional(CatalogSchema, () => ({})),
  scrape: v.optional(ScrapeSchema, () => ({})),
  queues: v.optional(QueuesSchema, () => ({})),
  rules: v.optional(v.array(RuleSchema, "must be a list of tables ([[rules]])"), () => []),
  networks: v.optional(
    v.array(NetworkEntrySchema, "must be a list of tables ([[networks]])"),
    () => [],
  ),
});

/**
 * A `[[rules]]` entry after validation. Field names are those of the file.
 *
 * @example
 * ```ts
 * import type { Rule } from "./mod.ts";
 *
 * const rule: Rule = { match: "gbfs::.*", interval: 30, concurrency: { system: 4 } };
 * ```
 */
export interface Rule {
  /** Anchored regular expression on `<class>::<tag>`. */
  match: string;
  enabled?: boolean;
  /** Seconds between runs; exclusive with `cron`. */
  interval?: number;
  /** Croner pattern (5 or 6 fields); exclusive with `interval`. */
  cron?: string;
  /** IANA time zone of `cron`. */
  timezone?: string;
  /** Seconds of random delay added to each run. */
  jitter?: number;
  "run_at_start"?: boolean;
  /** Higher runs first. */
  priority?: number;
  /** A name in `[queues]`. */
  queue?: string;
  concurrency?: { system?: number; network?: number };
  /** Seconds per task. */
  timeout?: number;
  /** Seconds a published snapshot stays valid (MQTT 5 message expiry). */
  "stale_after"?: number;
}

/**
 * A `[[networks]]` entry after validation; the shape of the scrape room's `NetworkSpec`.
 *
 * @example
 * ```ts
 * import type { NetworkEntry } from "./mod.ts";
 *
 * const entry: NetworkEntry = {
 *   class: "gbfs",
 *   tag: "my-city",
 *   name: "My City Bikes",
 *   url: "https://example.org/gbfs/gbfs.json",
 * };
 * ```
 */
export interface NetworkEntry {
  class: string;
  tag: string;
  name: string;
  url: string;
  location?: { city: string; country: string; latitude: number; longitude: number };
  company?: string[];
}

/**
 * A validated, fully defaulted config. Field names are those of the file
 * (`max_packet_size`), so a config reads the same in TOML, JSON and code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Config, defaultConfig } from "./mod.ts";
 *
 * const config: Config = defaultConfig();
 * assert.equal(config.mqtt.max_packet_size, 1_048_576);
 * ```
 */
export interface Config {
  log: { level: LogLevel };
  mqtt: { enabled: boolean; port: number; host: string; "max_packet_size": number };
  http: { enabled: boolean; port: number; host: string };
  catalog: {
    builtin: boolean;
    /** A network is kept when it matches one of these (default `[".*"]`)… */
    include: string[];
    /** …and none of these. */
    exclude: string[];
  };
  scrape: {
    "max_bytes": number;
    /** Empty means the caller's default, `spoke/<version>`. */
    "user_agent": string;
  };
  /** Queue name → workers; always has `default`. */
  queues: Record<string, number>;
  rules: Rule[];
  networks: NetworkEntry[];
}

// The hand-written types above are what readers see; these lines keep them
// equal to what the schema really produces.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _configMatchesSchema: Same<Config, v.InferOutput<typeof ConfigSchema>> = true;
void _configMatchesSchema;
