/** What the `[[rules]]` of a config say about one network. */

import { anchoredRegex, matchKey } from "./pattern.ts";
import type { Config } from "./schema.ts";

/**
 * The schedule and limits of one network: every rule whose `match` fits
 * `<class>::<tag>`, applied in file order, later fields overriding earlier
 * ones. Exactly one of `interval` and `cron` is set.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultConfig, type EffectivePlan, planFor } from "./mod.ts";
 *
 * const plan: EffectivePlan = planFor(defaultConfig(), "gbfs", "my-city");
 * assert.equal(plan.interval, 60);
 * assert.equal(plan.staleAfter, 180);
 * ```
 */
export interface EffectivePlan {
  enabled: boolean;
  /** Seconds between runs (when not on a cron pattern). */
  interval?: number;
  /** Croner pattern (when not on an interval). */
  cron?: string;
  /** IANA time zone of `cron`; absent means the device's. */
  timezone?: string;
  /** Seconds of random delay added to each run. */
  jitter: number;
  runAtStart: boolean;
  /** Higher runs first. */
  priority: number;
  /** A name of `config.queues`. */
  queue: string;
  /** Most tasks running at once per system (class) and per network. */
  concurrency: { system: number; network: number };
  /** Seconds per task. */
  timeout: number;
  /** Seconds a snapshot stays valid: the MQTT 5 message expiry. */
  staleAfter: number;
  /** Further attempts after a failed scrape. */
  retries: number;
  /** Seconds before the first retry (doubling, jittered), and the longest wait. */
  backoff: number;
  backoffMax: number;
  /** Seconds after a run during which the network is not queued again (0: off). */
  preventRequeue: number;
  /** Failed runs in a row that open the circuit breaker; first and longest open time (s). */
  breaker: { failures: number; backoff: number; max: number };
  /** Request headers (unexpanded `${NAME}`), merged by name over the rules; absent when no rule sets any. */
  headers?: Record<string, string>;
  /** Indexes in `config.rules` of the rules that applied, in order. */
  rules: number[];
  /** For each field a rule set, the index of the last rule that set it (the others are defaults). */
  setBy: Partial<Record<PlanField, number>>;
}

/** The fields of a plan a rule can set, by their names in the file. */
export type PlanField =
  | "enabled"
  | "interval"
  | "cron"
  | "timezone"
  | "jitter"
  | "run_at_start"
  | "priority"
  | "queue"
  | "concurrency.system"
  | "concurrency.network"
  | "timeout"
  | "stale_after"
  | "retries"
  | "backoff"
  | "backoff_max"
  | "prevent_requeue"
  | "breaker.failures"
  | "breaker.backoff"
  | "breaker.max"
  | "headers";

const DEFAULT_INTERVAL = 60;
// A cron pattern has no fixed period to multiply; five minutes is the
// longest gap a "live" bike map should show without a sign of life.
const DEFAULT_STALE_AFTER_CRON = 300;
const STALE_AFTER_INTERVALS = 3;

/**
 * The effective plan of network `<cls>::<tag>`. Defaults when no rule sets a
 * field: interval 60, jitter 0, run at start, priority 0, queue `default`,
 * concurrency system 4 / network 1, timeout 30, `staleAfter` three
 * intervals (300 with a cron pattern), retries 2 with a back-off of 5 s up
 * to 60 s, no prevent-requeue window, and a breaker that opens after 5
 * failed runs for 60 s, doubling up to 3600 s.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseConfigText, planFor } from "./mod.ts";
 *
 * const config = parseConfigText(
 *   `[queues]
 *    slow = 1
 *    [[rules]]
 *    match = ".*"
 *    interval = 30
 *    [[rules]]
 *    match = "nextbike::.*"
 *    cron = "*\/5 * * * *"
 *    queue = "slow"`,
 *   "spoke.toml",
 * );
 * const plan = planFor(config, "nextbike", "nextbike-leipzig");
 * assert.equal(plan.cron, "*\/5 * * * *");
 * assert.equal(plan.interval, undefined);
 * assert.equal(plan.queue, "slow");
 * assert.deepEqual(plan.rules, [0, 1]);
 * assert.equal(planFor(config, "gbfs", "x").interval, 30);
 * ```
 */
export function planFor(config: Config, cls: string, tag: string): EffectivePlan {
  const key = matchKey(cls, tag);
  let enabled = true;
  let interval: number | undefined;
  let cron: string | undefined;
  let timezone: string | undefined;
  let jitter = 0;
  let runAtStart = true;
  let priority = 0;
  let queue = "default";
  let system = 4;
  let network = 1;
  let timeout = 30;
  let staleAfter: number | undefined;
  let retries = 2;
  let backoff = 5;
  let backoffMax = 60;
  let preventRequeue = 0;
  const breaker = { failures: 5, backoff: 60, max: 3600 };
  let headers: Record<string, string> | undefined;
  const applied: number[] = [];
  const setBy: Partial<Record<PlanField, number>> = {};
  config.rules.forEach((rule, index) => {
    if (!anchoredRegex(rule.match).test(key)) return;
    applied.push(index);
    const fields: Array<[PlanField, unknown]> = [
      ["enabled", rule.enabled],
      ["interval", rule.interval],
      ["cron", rule.cron],
      ["timezone", rule.timezone],
      ["jitter", rule.jitter],
      ["run_at_start", rule.run_at_start],
      ["priority", rule.priority],
      ["queue", rule.queue],
      ["concurrency.system", rule.concurrency?.system],
      ["concurrency.network", rule.concurrency?.network],
      ["timeout", rule.timeout],
      ["stale_after", rule.stale_after],
      ["retries", rule.retries],
      ["backoff", rule.backoff],
      ["backoff_max", rule.backoff_max],
      ["prevent_requeue", rule.prevent_requeue],
      ["breaker.failures", rule.breaker?.failures],
      ["breaker.backoff", rule.breaker?.backoff],
      ["breaker.max", rule.breaker?.max],
      ["headers", rule.headers],
    ];
    for (const [field, value] of fields) if (value !== undefined) setBy[field] = index;
    // A later interval replaces an earlier cron (and the reverse): the loser no longer applies.
    if (rule.interval !== undefined) {
      delete setBy.cron;
      delete setBy.timezone;
    }
    if (rule.cron !== undefined) {
      delete setBy.interval;
      if (rule.timezone === undefined) delete setBy.timezone;
    }
    enabled = rule.enabled ?? enabled;
    // Interval and cron are one choice: a later rule that sets either replaces both.
    if (rule.interval !== undefined) {
      interval = rule.interval;
      cron = undefined;
      timezone = undefined;
    }
    if (rule.cron !== undefined) {
      cron = rule.cron;
      timezone = rule.timezone;
      interval = undefined;
    }
    jitter = rule.jitter ?? jitter;
    runAtStart = rule.run_at_start ?? runAtStart;
    priority = rule.priority ?? priority;
    queue = rule.queue ?? queue;
    system = rule.concurrency?.system ?? system;
    network = rule.concurrency?.network ?? network;
    timeout = rule.timeout ?? timeout;
    staleAfter = rule.stale_after ?? staleAfter;
    retries = rule.retries ?? retries;
    backoff = rule.backoff ?? backoff;
    backoffMax = rule.backoff_max ?? backoffMax;
    preventRequeue = rule.prevent_requeue ?? preventRequeue;
    breaker.failures = rule.breaker?.failures ?? breaker.failures;
    breaker.backoff = rule.breaker?.backoff ?? breaker.backoff;
    breaker.max = rule.breaker?.max ?? breaker.max;
    // Merged by name: a general rule can set a User-Agent suffix, a specific one the API key.
    if (rule.headers !== undefined) headers = { ...headers, ...rule.headers };
  });
  if (interval === undefined && cron === undefined) interval = DEFAULT_INTERVAL;
  const plan: EffectivePlan = {
    enabled,
    jitter,
    runAtStart,
    priority,
    queue,
    concurrency: { system, network },
    timeout,
    staleAfter: staleAfter ??
      (interval === undefined ? DEFAULT_STALE_AFTER_CRON : STALE_AFTER_INTERVALS * interval),
    retries,
    backoff,
    // A cap below the base would make every wait the cap: the base wins.
    backoffMax: Math.max(backoff, backoffMax),
    preventRequeue,
    breaker: { ...breaker, max: Math.max(breaker.backoff, breaker.max) },
    rules: applied,
    setBy,
  };
  if (interval !== undefined) plan.interval = interval;
  if (cron !== undefined) plan.cron = cron;
  if (timezone !== undefined) plan.timezone = timezone;
  if (headers !== undefined) plan.headers = headers;
  return plan;
}
