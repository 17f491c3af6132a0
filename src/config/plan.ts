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
  /** Indexes in `config.rules` of the rules that applied, in order. */
  rules: number[];
}

const DEFAULT_INTERVAL = 60;
// A cron pattern has no fixed period to multiply; five minutes is the
// longest gap a "live" bike map should show without a sign of life.
const DEFAULT_STALE_AFTER_CRON = 300;
const STALE_AFTER_INTERVALS = 3;

/**
 * The effective plan of network `<cls>::<tag>`. Defaults when no rule sets a
 * field: interval 60, jitter 0, run at start, priority 0, queue `default`,
 * concurrency system 4 / network 1, timeout 30, and `staleAfter` three
 * intervals (300 with a cron pattern).
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
  const applied: number[] = [];
  config.rules.forEach((rule, index) => {
    if (!anchoredRegex(rule.match).test(key)) return;
    applied.push(index);
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
    rules: applied,
  };
  if (interval !== undefined) plan.interval = interval;
  if (cron !== undefined) plan.cron = cron;
  if (timezone !== undefined) plan.timezone = timezone;
  return plan;
}
