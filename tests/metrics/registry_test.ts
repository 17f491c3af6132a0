import assert from "node:assert/strict";
import { MetricsError, MetricsRegistry } from "../../src/metrics/mod.ts";
import { TaskQueue } from "../../src/queue/mod.ts";

Deno.test("MetricsRegistry.render() writes counters, gauges and collected gauges in the text format", () => {
  const metrics = new MetricsRegistry();
  metrics.counter("jobs_total", "Jobs done.").labels({ queue: "a" }).inc(2);
  metrics.counter("jobs_total", "ignored second help").labels({ queue: 'b"\\' }).inc();
  metrics.gauge("depth", "Depth.").set(7);
  const states = [{ labels: { network: "gbfs::x" }, value: 1 }];
  metrics.gauge("breaker_open", "Open breakers.", () => states);
  metrics.counter("never_used_total", "Nothing yet.");
  const lines = metrics.render().split("\n");
  assert.deepEqual(lines, [
    "# HELP jobs_total Jobs done.",
    "# TYPE jobs_total counter",
    'jobs_total{queue="a"} 2',
    'jobs_total{queue="b\\"\\\\"} 1',
    "# HELP depth Depth.",
    "# TYPE depth gauge",
    "depth 7",
    "# HELP breaker_open Open breakers.",
    "# TYPE breaker_open gauge",
    `breaker_open{network="${states[0]!.labels.network}"} ${states[0]!.value}`,
    "",
  ]);
});

Deno.test("MetricsRegistry histograms count cumulatively into buckets with sum and count", () => {
  const metrics = new MetricsRegistry();
  const buckets = [0.1, 1];
  const observed = [0.05, 0.1, 0.5, 2];
  const histogram = metrics.histogram("wait_seconds", "Wait.", buckets);
  for (const value of observed) histogram.observe(value);
  const below = (bound: number) => observed.filter((value) => value <= bound).length;
  const text = metrics.render();
  assert.match(text, new RegExp(`wait_seconds_bucket\\{le="0.1"\\} ${below(0.1)}\\n`));
  assert.match(text, new RegExp(`wait_seconds_bucket\\{le="1"\\} ${below(1)}\\n`));
  assert.match(text, new RegExp(`wait_seconds_bucket\\{le="\\+Inf"\\} ${observed.length}\\n`));
  assert.match(text, new RegExp(`wait_seconds_sum ${observed.reduce((a, b) => a + b)}\\n`));
  assert.match(text, new RegExp(`wait_seconds_count ${observed.length}\\n`));
});

Deno.test("MetricsRegistry refuses bad names, type clashes, bad buckets and negative counts", () => {
  const metrics = new MetricsRegistry();
  assert.throws(() => metrics.counter("bad name", "x"), MetricsError);
  metrics.counter("a_total", "x");
  assert.throws(() => metrics.gauge("a_total", "x"), /metric a_total is a counter, not a gauge/);
  assert.throws(() => metrics.histogram("h", "x", [1, 1]), /buckets must be increasing/);
  assert.throws(() => metrics.counter("c_total", "x").inc(-1), /cannot go down, got -1/);
  assert.throws(
    () => metrics.counter("d_total", "x").labels({ "bad-label": "v" }),
    /label name "bad-label"/,
  );
});

Deno.test("TaskQueue records depth, running, waits, durations and outcomes in a registry", async () => {
  const metrics = new MetricsRegistry();
  const queue = new TaskQueue("fast", 1, { metrics, onError: () => {} });
  const outcomes = [true, false, true];
  outcomes.forEach((ok, i) =>
    queue.push({ key: `k${i}`, run: () => ok ? Promise.resolve() : Promise.reject(new Error("x")) })
  );
  await queue.idle();
  const labels = { queue: "fast" };
  assert.equal(
    metrics.value("spoke_queue_completed_total", labels),
    outcomes.filter(Boolean).length,
  );
  assert.equal(
    metrics.value("spoke_queue_failed_total", labels),
    outcomes.filter((ok) => !ok).length,
  );
  assert.equal(metrics.value("spoke_queue_depth", labels), 0);
  assert.equal(metrics.value("spoke_queue_running", labels), 0);
  const text = metrics.render();
  assert.match(
    text,
    new RegExp(`spoke_queue_wait_seconds_count\\{queue="fast"\\} ${outcomes.length}`),
  );
  assert.match(
    text,
    new RegExp(`spoke_task_duration_seconds_count\\{queue="fast"\\} ${outcomes.length}`),
  );
  await queue.close();
});
