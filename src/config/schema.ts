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
const SHARD = "must be i/n with 1 <= i <= n (like 2/3), or empty";
const BROKER_URL = "must be an mqtt://, mqtts://, ws:// or wss:// URL with a host, or empty";
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
const NON_NEGATIVE_INTEGER = "must be an integer >= 0";
const nonNegativeInteger = v.pipe(
  v.number(NON_NEGATIVE_INTEGER),
  v.safeInteger(NON_NEGATIVE_INTEGER),
  v.minValue(0, NON_NEGATIVE_INTEGER),
);
/** An integer in [min, max] (broker limits). */
function integerIn(min: number, max: number) {
  const message = `must be an integer ${min}..${max}`;
  return v.pipe(
    v.number(message),
    v.integer(message),
    v.minValue(min, message),
    v.maxValue(max, message),
  );
}
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

function isShard(text: string): boolean {
  if (text === "") return true;
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) return false;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return index >= 1 && index <= count;
}

function isBrokerUrl(text: string): boolean {
  if (text === "") return true;
  const url = URL.parse(text);
  return url !== null && ["mqtt:", "mqtts:", "ws:", "wss:"].includes(url.protocol) &&
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

/** `[mqtt.tls]`: a nested table, so the overlay names its fields `SPOKE_MQTT_TLS_<KEY>`. */
const mqttTlsEntries = {
  port: v.optional(port, 8883),
  cert: v.optional(v.string(STRING), ""),
  key: v.optional(v.string(STRING), ""),
};

/** `[http.tls]`: HTTPS (and wss:// at `/mqtt`), on when both cert and key (PEM file paths) are set. */
const httpTlsEntries = {
  cert: v.optional(v.string(STRING), ""),
  key: v.optional(v.string(STRING), ""),
};

/** Values of `[mqtt] subscribe_denied_reason`. */
const SUBSCRIBE_DENIED_REASONS = ["not-authorized", "unspecified"] as const;

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
  /** In-flight QoS 1/2 window both ways (the Receive Maximum announced to MQTT 5 clients). */
  "max_inflight": v.optional(integerIn(1, 65_535), 1000),
  /** High-water marks of one session's queue (client away or window full). */
  "max_queued_messages": v.optional(nonNegativeInteger, 1000),
  "max_queued_bytes": v.optional(nonNegativeInteger, 8 * 1024 * 1024),
  /** Which message goes when a session queue is full. */
  "queue_policy": v.optional(
    v.picklist(["drop-oldest", "drop-newest"], "must be drop-oldest or drop-newest"),
    "drop-oldest",
  ),
  /** Longest keep-alive granted to MQTT 5 clients (Server Keep Alive), seconds; 0 = any. */
  "max_keepalive": v.optional(integerIn(0, 65_535), 0),
  /** Topic aliases an MQTT 5 client may set up per connection. */
  "topic_alias_maximum": v.optional(integerIn(0, 65_535), 10),
  /** Seconds between `$SYS/broker/...` updates; 0 = off. */
  "sys_interval": v.optional(integerIn(0, 86_400), 10),
  /** Limits: open connections, topic length (bytes) and levels, subscriptions per client. */
  "max_connections": v.optional(integerIn(1, 2 ** 31 - 1), 10_000),
  "max_topic_length": v.optional(integerIn(1, 65_535), 1024),
  "max_topic_levels": v.optional(integerIn(1, 65_535), 32),
  "max_subscriptions": v.optional(integerIn(1, 2 ** 31 - 1), 1000),
  /** Topic filters only Spoke itself publishes to; clients are refused there. */
  "protected_topics": v.optional(
    v.array(v.string(STRING), "must be a list of topic filters"),
    () => ["network/#", "$SYS/#"],
  ),
  /** Whether clients without a user name may connect. */
  "allow_anonymous": v.optional(boolean, true),
  /** Password file written by `spoke passwd FILE USER`; empty = none. */
  "password_file": v.optional(v.string(STRING), ""),
  /** ACL file (mosquitto's format: user / topic / pattern lines); empty = none. */
  "acl_file": v.optional(v.string(STRING), ""),
  /**
   * SUBACK code of a subscription the ACL denies, in MQTT 5: 0x87 Not authorized, or 0x80
   * Unspecified error for deployments that don't reveal that a topic is protected (3.1.1 has
   * 0x80 only).
   */
  "subscribe_denied_reason": v.optional(
    v.picklist(SUBSCRIBE_DENIED_REASONS, "must be not-authorized or unspecified"),
    "not-authorized",
  ),
  /** `[mqtt.tls]`: MQTT over TLS, on when both cert and key (PEM file paths) are set. */
  tls: v.optional(table(mqttTlsEntries), () => ({})),
  /** SQLite file keeping retained messages and persistent sessions; empty = memory only. */
  persistence: v.optional(v.string(STRING), ""),
};
export const MqttSchema = table(mqttEntries);

/** `[http]`: the Hono server. */
const httpEntries = {
  enabled: v.optional(boolean, true),
  port: v.optional(port, 8080),
  host: v.optional(host, "127.0.0.1"),
  /** Bearer token of `/admin/*`; empty turns the admin routes off. */
  "admin_token": v.optional(v.string(STRING), ""),
  tls: v.optional(table(httpTlsEntries), () => ({})),
};
export const HttpSchema = table(httpEntries);

/** `[catalog]` */
const catalogEntries = {
  builtin: v.optional(boolean, true),
  include: v.optional(patterns, () => [".*"]),
  exclude: v.optional(patterns, () => []),
  /** `i/n`: run only shard i (1..n) of n; empty runs every network. */
  shard: v.optional(v.pipe(v.string(SHARD), v.check(isShard, SHARD)), ""),
};
export const CatalogSchema = table(catalogEntries);

/** `[store]`: persistence of the latest states and the station-count history. */
const storeEntries = {
  /** A SQLite file; empty keeps everything in memory only. */
  sqlite: v.optional(v.string(STRING), ""),
  "retention_days": v.optional(positiveNumber, 30),
};
export const StoreSchema = table(storeEntries);

/** `[publish]`: an external MQTT broker, beside or instead of the embedded one. */
const publishEntries = {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://` URL, credentials inline; empty publishes nowhere else. */
  broker: v.optional(v.pipe(v.string(BROKER_URL), v.check(isBrokerUrl, BROKER_URL)), ""),
  /** Empty means `spoke-<random>`. */
  "client_id": v.optional(v.string(STRING), ""),
  /** Networks whose latest state is held while the broker is away. */
  "max_pending": v.optional(positiveInteger, 10_000),
  /** PEM file of the CA(s) an mqtts:// or wss:// broker's certificate must chain to; empty: the system's. */
  ca: v.optional(v.string(STRING), ""),
};
export const PublishSchema = table(publishEntries);

/** `[scrape]` */
const scrapeEntries = {
  "max_bytes": v.optional(positiveInteger, 16_777_216),
  "user_agent": v.optional(v.string(STRING), ""),
  /** Most requests in flight to one host, over all networks. */
  "max_per_host": v.optional(positiveInteger, 4),
  /** Bytes of fetched documents kept for conditional GET and ttl. */
  "cache_bytes": v.optional(positiveInteger, 67_108_864),
  /** Longest GBFS `ttl` trusted, in seconds (some feeds announce an hour). */
  "max_ttl": v.optional(nonNegative, 300),
  /** Seconds a discovery file (`gbfs.json`) is used before it is asked for again. */
  "discovery_ttl": v.optional(nonNegative, 3600),
};
export const ScrapeSchema = table(scrapeEntries);

const OVERFLOW = 'must be "reject" or "drop-lowest"';
const HEADER_NAME = "must be an HTTP header name (letters, digits, -)";
const HEADER_VALUE = "must be a string without line breaks";

/** `[engine]`: limits of the queue engine as a whole, and shutdown. */
const engineEntries = {
  /** Most scrapes running at once over all queues; 0 leaves it to the workers. */
  "max_running": v.optional(nonNegativeInteger, 0),
  /** Most tasks waiting in each queue; 0 is unbounded. */
  "queue_max_size": v.optional(nonNegativeInteger, 10_000),
  /** What a full queue does with one more task. */
  overflow: v.optional(v.picklist(["reject", "drop-lowest"], OVERFLOW), "drop-lowest"),
  /** Seconds running scrapes get to finish at SIGINT/SIGTERM before they are aborted. */
  "shutdown_timeout": v.optional(nonNegative, 10),
};
export const EngineSchema = table(engineEntries);

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
  /** Request headers (API keys); `${NAME}` is read from the environment. Merged by name over rules. */
  headers: v.optional(v.pipe(
    v.custom<Record<string, unknown>>(isTable, TABLE),
    v.record(
      v.pipe(v.string(), v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, HEADER_NAME)),
      v.pipe(v.string(STRING), v.regex(/^[^\r\n\0]*$/, HEADER_VALUE)),
      TABLE,
    ),
  )),
  /** Further attempts after a failed scrape, `backoff` seconds apart, doubling, with jitter. */
  retries: v.optional(nonNegativeInteger),
  backoff: v.optional(positiveNumber),
  "backoff_max": v.optional(positiveNumber),
  /** Seconds after a run during which the network is not queued again. */
  "prevent_requeue": v.optional(nonNegative),
  /** After `failures` failed runs in a row, pause for `backoff` s, doubling up to `max` s. */
  breaker: v.optional(table({
    failures: v.optional(positiveInteger),
    backoff: v.optional(positiveNumber),
    max: v.optional(positiveNumber),
  })),
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
  /** Nextbike: the city uid in the domain feed `url`. */
  "city_uid": v.optional(positiveInteger),
  /** Nextbike: one network per city of the feed `url`, found at run time. */
  "each_city": v.optional(v.boolean(BOOLEAN)),
});

/**
 * The fields of the sections that can be set from `SPOKE_<SECTION>_<KEY>`
 * env vars, each an `optional` schema. A field that is itself a table
 * (`[mqtt.tls]`) is walked into: `SPOKE_MQTT_TLS_PORT`.
 */
export const SCALAR_SECTIONS = {
  log: logEntries,
  mqtt: mqttEntries,
  http: httpEntries,
  catalog: catalogEntries,
  scrape: scrapeEntries,
  store: storeEntries,
  publish: publishEntries,
  engine: engineEntries,
} as const;

/** A whole config file. */
export const ConfigSchema = table({
  log: v.optional(LogSchema, () => ({})),
  mqtt: v.optional(MqttSchema, () => ({})),
  http: v.optional(HttpSchema, () => ({})),
  catalog: v.optional(CatalogSchema, () => ({})),
  scrape: v.optional(ScrapeSchema, () => ({})),
  store: v.optional(StoreSchema, () => ({})),
  publish: v.optional(PublishSchema, () => ({})),
  engine: v.optional(EngineSchema, () => ({})),
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
  /** Request headers; `${NAME}` expands from the environment when the network is planned. */
  headers?: Record<string, string>;
  /** Further attempts after a failed scrape. */
  retries?: number;
  /** Seconds before the first retry; doubles each time, with jitter. */
  backoff?: number;
  /** The longest wait between two attempts, in seconds. */
  "backoff_max"?: number;
  /** Seconds after a run during which the network is not queued again. */
  "prevent_requeue"?: number;
  /** Circuit breaker: failed runs in a row that open it, first and longest open time (s). */
  breaker?: { failures?: number; backoff?: number; max?: number };
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
  /** Nextbike: the city uid in the domain feed. */
  "city_uid"?: number;
  /** Nextbike: one network per city of the feed, found at run time (`<tag>-<city>`). */
  "each_city"?: boolean;
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
  mqtt: {
    enabled: boolean;
    port: number;
    host: string;
    "max_packet_size": number;
    "max_inflight": number;
    "max_queued_messages": number;
    "max_queued_bytes": number;
    "queue_policy": "drop-oldest" | "drop-newest";
    "max_keepalive": number;
    "topic_alias_maximum": number;
    "sys_interval": number;
    "max_connections": number;
    "max_topic_length": number;
    "max_topic_levels": number;
    "max_subscriptions": number;
    "protected_topics": string[];
    "allow_anonymous": boolean;
    "password_file": string;
    "acl_file": string;
    /** SUBACK code of an ACL-denied subscription in MQTT 5: 0x87 or 0x80. */
    "subscribe_denied_reason": "not-authorized" | "unspecified";
    /** MQTT over TLS on `port` when both PEM paths are set. */
    tls: { port: number; cert: string; key: string };
    persistence: string;
  };
  http: {
    enabled: boolean;
    port: number;
    host: string;
    /** Bearer token of `/admin/*`; empty turns them off. */
    "admin_token": string;
    /** HTTPS and wss:// when both PEM paths are set. */
    tls: { cert: string; key: string };
  };
  catalog: {
    builtin: boolean;
    /** A network is kept when it matches one of these (default `[".*"]`)… */
    include: string[];
    /** …and none of these. */
    exclude: string[];
    /** `i/n` (1-based): only this device's share of the networks; empty for all. */
    shard: string;
  };
  scrape: {
    "max_bytes": number;
    /** Empty means the caller's default, `spoke/<version>`. */
    "user_agent": string;
    /** Most requests in flight to one host. */
    "max_per_host": number;
    /** Bytes of documents kept for conditional GET and ttl. */
    "cache_bytes": number;
    /** Longest GBFS ttl trusted, seconds. */
    "max_ttl": number;
    /** Seconds a discovery file is kept. */
    "discovery_ttl": number;
  };
  store: {
    /** SQLite file of last states and history; empty keeps them in memory only. */
    sqlite: string;
    "retention_days": number;
  };
  publish: {
    /** External broker URL (credentials inline); empty publishes to the embedded one only. */
    broker: string;
    "client_id": string;
    "max_pending": number;
    /** PEM file of the CA(s) the broker's certificate must chain to; empty: the system's. */
    ca: string;
  };
  engine: {
    /** Most scrapes running at once over all queues; 0: only the workers limit. */
    "max_running": number;
    /** Most tasks waiting per queue; 0: unbounded. */
    "queue_max_size": number;
    overflow: "reject" | "drop-lowest";
    /** Seconds running scrapes get to finish at shutdown. */
    "shutdown_timeout": number;
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
