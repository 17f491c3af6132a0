import assert from "node:assert/strict";
import { Scheduler } from "../../src/schedule/mod.ts";

Deno.test("Scheduler.add() fires a job with runAtStart at once and then on its interval", async () => {
  const fired: string[] = [];
  const twice = Promise.withResolvers<void>();
  const scheduler = new Scheduler((key) => {
    fired.push(key);
    if (fired.length === 2) twice.resolve();
  }, { random: () => 0 });
  scheduler.add("gbfs::a", { interval: 1, jitter: 0, runAtStart: true });
  assert.deepEqual(fired, ["gbfs::a"]);
  await twice.promise;
  scheduler.stop();
  assert.deepEqual(fired, ["gbfs::a", "gbfs::a"]);
});

Deno.test("Scheduler delays each firing by up to `jitter` seconds", async () => {
  const fired = Promise.withResolvers<number>();
  const scheduler = new Scheduler(() => fired.resolve(performance.now()), { random: () => 0.1 });
  const start = performance.now();
  scheduler.add("k", { interval: 60, jitter: 0.5, runAtStart: true });
  // 0.1 × 0.5 s: the firing is not synchronous, it waits for its jitter timer.
  let synchronous = true;
  fired.promise.then(() => synchronous = false);
  await Promise.resolve();
  assert.equal(synchronous, true);
  assert.ok((await fired.promise) >= start);
  scheduler.stop();
});

Deno.test("Scheduler.remove() cancels a jittered firing that is still pending", async () => {
  let fired = 0;
  const scheduler = new Scheduler(() => fired++, { random: () => 1 });
  scheduler.add("k", { interval: 60, jitter: 0.05, runAtStart: true });
  scheduler.remove("k");
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(fired, 0);
  assert.equal(scheduler.has("k"), false);
});

Deno.test("Scheduler runs cron jobs and reports their next run", () => {
  const scheduler = new Scheduler(() => {});
  scheduler.add("k", { cron: "0 0 * * *", timezone: "UTC", jitter: 0, runAtStart: false });
  const next = scheduler.nextRun("k")!;
  assert.equal(next.getUTCHours(), 0);
  assert.equal(next.getUTCMinutes(), 0);
  assert.ok(next.getTime() > Date.now());
  scheduler.stop();
  assert.equal(scheduler.size, 0);
});

Deno.test("Scheduler spreads the first interval run of many jobs over the jitter window", () => {
  let call = 0;
  const scheduler = new Scheduler(() => {}, { random: () => (call++ % 10) / 10 });
  for (let i = 0; i < 10; i++) {
    scheduler.add(`k${i}`, { interval: 60, jitter: 10, runAtStart: false });
  }
  const seconds = new Set(
    Array.from({ length: 10 }, (_, i) => Math.floor(scheduler.nextRun(`k${i}`)!.getTime() / 1000)),
  );
  scheduler.stop();
  assert.ok(seconds.size >= 5, `first runs fell on only ${seconds.size} distinct seconds`);
});

Deno.test("Scheduler.add() refuses a bad cron pattern", () => {
  const scheduler = new Scheduler(() => {});
  assert.throws(() => scheduler.add("k", { cron: "not a cron", jitter: 0, runAtStart: false }));
  scheduler.stop();
});
