import assert from "node:assert/strict";
import { createApi, type ServiceStats } from "../../src/api/mod.ts";
import { Broker } from "../../src/broker/mod.ts";
import { MetricsRegistry } from "../../src/metrics/mod.ts";
import { TaskQueue } from "../../src/queue/mod.ts";
import { network, sources, zeroStats } from "./_sources.ts";
import { parsePrometheus as parse } from "./_prometheus.ts";

Deno.test("GET /metrics renders scrapes, queues, broker and process in Prometheus text", async () => {
  const broker = new Broker({ port: 0 });
  const queue = new TaskQueue("default", 3);
  const made = sources();
  made.store.put("nextbike", "z", network("z"), 1_700_000_100_000, 1500);
  const stats: ServiceStats = {
    ...zeroStats(),
    queues: [queue.stats()],
    broker: broker.stats(),
    external: {
      url: "mqtt://h:1883",
      connected: false,
      published: 4,
      pending: 2,
      dropped: 1,
      reconnects: 3,
    },
  };
  const app = createApi({ ...made.sources, stats: () => stats });
  const response = await app.request("/metrics");
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const samples = parse(await response.text());

  const states = made.store.all();
  const gbfs = states.filter((state) => state.class === "gbfs");
  assert.equal(
    samples.get('spoke_scrapes_total{class="gbfs"}'),
    gbfs.reduce((sum, state) => sum + state.scrapes, 0),
  );
  assert.equal(samples.get('spoke_scrape_failures_total{class="gbfs"}'), 1);
  assert.equal(
    samples.get('spoke_scrape_seconds_total{class="gbfs"}'),
    gbfs.reduce((sum, state) => sum + state.scrapeMsTotal, 0) / 1000,
  );
  assert.equal(samples.get('spoke_scrapes_total{class="nextbike"}'), 1);
  assert.equal(samples.get('spoke_network_failing{network="gbfs::broken"}'), 1);
  assert.equal(samples.get('spoke_network_failing{network="gbfs::x"}'), 0);
  assert.equal(
    samples.get('spoke_network_last_success_timestamp_seconds{network="nextbike::z"}'),
    made.store.get("nextbike", "z")!.updatedAt! / 1000,
  );
  assert.equal(samples.get('spoke_queue_workers{queue="default"}'), queue.workers);
  assert.equal(samples.get("spoke_broker_clients"), stats.broker!.clientsConnected);
  assert.equal(samples.get("spoke_broker_retained"), stats.broker!.retained);
  assert.equal(samples.get("spoke_external_up"), undefined);
  assert.equal(samples.get("spoke_external_broker_up"), 0);
  assert.equal(samples.get("spoke_external_pending"), stats.external!.pending);
  const proc = made.sources.processSample!();
  assert.equal(samples.get("process_resident_memory_bytes"), proc.rssBytes);
  assert.equal(
    samples.get("process_cpu_seconds_total"),
    proc.cpuUserSeconds + proc.cpuSystemSeconds,
  );
  assert.equal(samples.get(`spoke_build_info{version="${stats.version}"}`), 1);
  // No history store configured: its families are absent rather than zero.
  assert.ok(![...samples.keys()].some((name) => name.startsWith("spoke_history_")));
  await queue.close();
  await broker.close();
});

Deno.test("GET /metrics reads this process's real memory and CPU by default", async () => {
  const made = sources();
  const app = createApi({ ...made.sources, processSample: undefined });
  const samples = parse(await (await app.request("/metrics")).text());
  assert.ok(samples.get("process_resident_memory_bytes")! > 0);
  assert.ok(samples.get("process_cpu_seconds_total")! > 0);
  assert.ok(samples.get("process_start_time_seconds")! <= Date.now() / 1000);
});

Deno.test("GET /metrics appends the engine's registry and leaves its families to it", async () => {
  const queue = new TaskQueue("default", 2);
  const registry = new MetricsRegistry();
  registry.gauge("spoke_queue_depth", "Tasks waiting.").set(7, { queue: "default" });
  registry.counter("spoke_task_retries_total", "Retries.").inc(3);
  const made = sources();
  const app = createApi({
    ...made.sources,
    stats: () => ({ ...zeroStats(), queues: [queue.stats()] }),
    metricsText: () => registry.render(),
  });
  const text = await (await app.request("/metrics")).text();
  const samples = parse(text);
  // The registry's value, not Spoke's own rendering of the same family.
  assert.equal(samples.get('spoke_queue_depth{queue="default"}'), 7);
  assert.equal(text.match(/^# TYPE spoke_queue_depth /gm)?.length, 1);
  assert.equal(samples.get("spoke_task_retries_total"), 3);
  // Spoke's families the registry does not have are still there.
  assert.equal(samples.get('spoke_queue_workers{queue="default"}'), queue.workers);
  await queue.close();
});
