import assert from "node:assert/strict";
import { parseConfigText, planFor, type Rule } from "../../src/config/mod.ts";
import { describePlan } from "../../src/cli/networks.ts";

function configWith(rules: Rule[], extra: Record<string, unknown> = {}) {
  return parseConfigText(JSON.stringify({ rules, ...extra }), "plan.json");
}

Deno.test("planFor() layers retries, backoff, prevent_requeue and breaker fields and says which rule set each", () => {
  const rules: Rule[] = [
    { match: ".*", retries: 1, backoff: 2, breaker: { failures: 3, max: 600 } },
    { match: "gbfs::.*", retries: 4, prevent_requeue: 30 },
    { match: "gbfs::x", breaker: { backoff: 120 }, backoff_max: 10 },
  ];
  const plan = planFor(configWith(rules), "gbfs", "x");
  assert.equal(plan.retries, rules[1]!.retries);
  assert.equal(plan.backoff, rules[0]!.backoff);
  assert.equal(plan.backoffMax, rules[2]!.backoff_max);
  assert.equal(plan.preventRequeue, rules[1]!.prevent_requeue);
  assert.deepEqual(plan.breaker, {
    failures: rules[0]!.breaker!.failures,
    backoff: rules[2]!.breaker!.backoff,
    max: rules[0]!.breaker!.max,
  });
  assert.deepEqual(plan.setBy, {
    retries: 1,
    backoff: 0,
    backoff_max: 2,
    prevent_requeue: 1,
    "breaker.failures": 0,
    "breaker.backoff": 2,
    "breaker.max": 0,
  });
});

Deno.test("planFor() keeps a back-off cap below its base at the base", () => {
  const plan = planFor(
    configWith([{ match: ".*", backoff: 30, backoff_max: 5, breaker: { backoff: 90, max: 10 } }]),
    "gbfs",
    "x",
  );
  assert.equal(plan.backoffMax, 30);
  assert.equal(plan.breaker.max, 90);
});

Deno.test("planFor() forgets the source of an interval a later cron replaced", () => {
  const rules: Rule[] = [
    { match: ".*", interval: 30 },
    { match: "gbfs::.*", cron: "*/5 * * * *", timezone: "UTC" },
    { match: "gbfs::x", cron: "0 * * * *" },
  ];
  const plan = planFor(configWith(rules), "gbfs", "x");
  assert.deepEqual([plan.setBy.interval, plan.setBy.cron, plan.setBy.timezone], [
    undefined,
    2,
    undefined,
  ]);
});

Deno.test("parseConfigText() refuses bad retries, backoff, breaker and [engine] values with the field named", () => {
  const bad: Array<[unknown, RegExp]> = [
    [
      { rules: [{ match: ".*", retries: -1 }] },
      /rules\[0\]\.retries must be an integer >= 0, got -1/,
    ],
    [{ rules: [{ match: ".*", retries: 1.5 }] }, /retries must be an integer >= 0, got 1\.5/],
    [
      { rules: [{ match: ".*", backoff: 0 }] },
      /rules\[0\]\.backoff must be a positive number, got 0/,
    ],
    [
      { rules: [{ match: ".*", prevent_requeue: "soon" }] },
      /prevent_requeue must be a number >= 0, got "soon"/,
    ],
    [
      { rules: [{ match: ".*", breaker: { failures: 0 } }] },
      /breaker\.failures must be a positive integer, got 0/,
    ],
    [{ rules: [{ match: ".*", breaker: { open: 1 } }] }, /breaker/],
    [
      { engine: { overflow: "drop-oldest" } },
      /engine\.overflow must be "reject" or "drop-lowest", got "drop-oldest"/,
    ],
    [
      { engine: { shutdown_timeout: -2 } },
      /engine\.shutdown_timeout must be a number >= 0, got -2/,
    ],
    [{ engine: { max_running: 2.5 } }, /engine\.max_running must be an integer >= 0, got 2\.5/],
  ];
  for (const [document, message] of bad) {
    assert.throws(() => parseConfigText(JSON.stringify(document), "spoke.json"), message);
  }
});

Deno.test("describePlan() prints every field with the rule that set it or default", () => {
  const rules: Rule[] = [{ match: ".*", interval: 30 }, { match: "gbfs::.*", retries: 5 }];
  const config = configWith(rules);
  const plan = planFor(config, "gbfs", "x");
  const lines = describePlan(config, "gbfs::x", plan).split("\n");
  assert.equal(
    lines[0],
    `gbfs::x  rules: [0] ${JSON.stringify(rules[0]!.match)}, [1] ${
      JSON.stringify(rules[1]!.match)
    }`,
  );
  const line = (field: string) =>
    lines.find((l) => l.trim().startsWith(`${field} `))!.trim().split(/\s{2,}/);
  assert.deepEqual(line("interval"), ["interval", `${rules[0]!.interval} s`, "rules[0]"]);
  assert.deepEqual(line("retries"), ["retries", String(rules[1]!.retries), "rules[1]"]);
  assert.deepEqual(line("timeout"), ["timeout", `${plan.timeout} s`, "default"]);
});
