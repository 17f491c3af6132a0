import assert from "node:assert/strict";
import {
  anchoredRegex,
  defaultConfig,
  type EffectivePlan,
  parseConfigText,
  planFor,
  type Rule,
} from "../../src/config/mod.ts";

/** A config whose rules are `rules`, through the real parser. */
function configWith(rules: Rule[], queues: Record<string, number> = {}) {
  return parseConfigText(JSON.stringify({ rules, queues }), "plan.json");
}

const DEFAULT_PLAN: EffectivePlan = {
  enabled: true,
  interval: 60,
  jitter: 0,
  runAtStart: true,
  priority: 0,
  queue: "default",
  concurrency: { system: 4, network: 1 },
  timeout: 30,
  staleAfter: 180,
  retries: 2,
  backoff: 5,
  backoffMax: 60,
  preventRequeue: 0,
  breaker: { failures: 5, backoff: 60, max: 3600 },
  rules: [],
  setBy: {},
};

Deno.test("planFor() gives the defaults when no rule matches", () => {
  assert.deepEqual(planFor(defaultConfig(), "gbfs", "my-city"), DEFAULT_PLAN);
  const config = configWith([{ match: "nextbike::.*", interval: 5 }]);
  assert.deepEqual(planFor(config, "gbfs", "my-city"), DEFAULT_PLAN);
});

Deno.test("planFor() applies every matching rule in file order, later fields winning", () => {
  const rules: Rule[] = [
    { match: ".*", interval: 60, jitter: 10, priority: 1 },
    { match: "gbfs::.*", concurrency: { system: 2 }, timeout: 20 },
    { match: "nextbike::.*", interval: 600 },
    { match: "gbfs::my-city", jitter: 0, concurrency: { network: 2 }, queue: "slow" },
  ];
  const config = configWith(rules, { slow: 1 });
  const plan = planFor(config, "gbfs", "my-city");
  const applied = rules.flatMap((rule, index) =>
    new RegExp(`^(?:${rule.match})$`).test("gbfs::my-city") ? [index] : []
  );
  assert.deepEqual(plan.rules, applied);
  assert.equal(plan.interval, rules[0]!.interval);
  assert.equal(plan.jitter, rules[3]!.jitter);
  assert.equal(plan.priority, rules[0]!.priority);
  assert.equal(plan.timeout, rules[1]!.timeout);
  assert.equal(plan.queue, rules[3]!.queue);
  assert.deepEqual(plan.concurrency, {
    system: rules[1]!.concurrency!.system,
    network: rules[3]!.concurrency!.network,
  });
  assert.equal(plan.staleAfter, 3 * rules[0]!.interval!);
});

Deno.test("planFor() anchors match on the whole <class>::<tag>", () => {
  const config = configWith([
    { match: "gbfs", interval: 1 },
    { match: "gbfs::citi", interval: 2 },
    { match: "bike", interval: 3 },
  ]);
  assert.deepEqual(planFor(config, "gbfs", "citi-bike").rules, []);
  assert.deepEqual(planFor(config, "gbfs", "citi").rules, [1]);
});

Deno.test("planFor() lets a later cron replace an earlier interval, and back", () => {
  const rules: Rule[] = [
    { match: ".*", interval: 30 },
    { match: "gbfs::.*", cron: "*/5 * * * *", timezone: "Europe/Madrid" },
    { match: "gbfs::fast", interval: 10 },
  ];
  const config = configWith(rules);
  const cron = planFor(config, "gbfs", "slow");
  assert.equal(cron.cron, rules[1]!.cron);
  assert.equal(cron.timezone, rules[1]!.timezone);
  assert.equal("interval" in cron, false);
  assert.equal(cron.staleAfter, 300);
  const interval = planFor(config, "gbfs", "fast");
  assert.equal(interval.interval, rules[2]!.interval);
  assert.equal("cron" in interval, false);
  assert.equal("timezone" in interval, false);
  assert.equal(interval.staleAfter, 3 * rules[2]!.interval!);
});

Deno.test("planFor() keeps an explicit stale_after over the computed one", () => {
  const rules: Rule[] = [
    { match: ".*", "stale_after": 45 },
    { match: ".*", interval: 120 },
  ];
  assert.equal(planFor(configWith(rules), "gbfs", "x").staleAfter, rules[0]!.stale_after);
});

Deno.test("planFor() disables a network and turns off the start run", () => {
  const rules: Rule[] = [
    { match: ".*", enabled: false, "run_at_start": false },
    { match: "gbfs::keep", enabled: true },
  ];
  const config = configWith(rules);
  const off = planFor(config, "gbfs", "other");
  assert.equal(off.enabled, false);
  assert.equal(off.runAtStart, false);
  const on = planFor(config, "gbfs", "keep");
  assert.equal(on.enabled, true);
  assert.equal(on.runAtStart, false);
});

Deno.test("anchoredRegex() compiles a pattern once", () => {
  const pattern = "gbfs::[a-z-]+";
  assert.equal(anchoredRegex(pattern), anchoredRegex(pattern));
  assert.equal(anchoredRegex(pattern).source, `^(?:${pattern})$`);
});
