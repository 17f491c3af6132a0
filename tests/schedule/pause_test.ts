import assert from "node:assert/strict";
import { Scheduler } from "../../src/schedule/mod.ts";

Deno.test("Scheduler.pause() stops firing and drops the pending run; resume() fires again", async () => {
  const fired: string[] = [];
  const second = Promise.withResolvers<void>();
  const scheduler = new Scheduler((key) => {
    fired.push(key);
    if (key === "gbfs::a" && fired.filter((k) => k === key).length === 2) second.resolve();
  }, { random: () => 0.5 });
  scheduler.add("gbfs::a", { interval: 0.02, jitter: 0, runAtStart: true });
  scheduler.add("gbfs::b", { interval: 60, jitter: 1, runAtStart: true });
  // b's first run waits for its jitter; pausing b drops it.
  assert.deepEqual(scheduler.pause((key) => key === "gbfs::b"), ["gbfs::b"]);
  assert.deepEqual(scheduler.pause((key) => key === "gbfs::b"), []);
  assert.equal(scheduler.isPaused("gbfs::b"), true);
  assert.equal(scheduler.nextRun("gbfs::b"), null);
  assert.deepEqual(scheduler.pausedKeys(), ["gbfs::b"]);
  await second.promise;
  assert.deepEqual(fired, ["gbfs::a", "gbfs::a"]);
  assert.deepEqual(scheduler.resume(), ["gbfs::b"]);
  assert.equal(scheduler.isPaused("gbfs::b"), false);
  scheduler.stop();
});

Deno.test("Scheduler.pause(key) and resume(key) act on one job; missed slots are skipped on the same phase", async () => {
  const intervalMs = 20;
  const fired: number[] = [];
  const scheduler = new Scheduler((_key, dueAt) => fired.push(dueAt), { random: () => 0 });
  scheduler.add("k", { interval: intervalMs / 1000, jitter: 0, runAtStart: false });
  scheduler.add("other", { interval: 60, jitter: 0, runAtStart: false });
  const first = scheduler.nextRun("k")!.getTime();
  assert.deepEqual(scheduler.pause("k"), ["k"]);
  assert.deepEqual(scheduler.pause("unknown"), []);
  assert.equal(scheduler.isPaused("other"), false);
  await new Promise((resolve) => setTimeout(resolve, 5 * intervalMs));
  assert.deepEqual(fired, []);
  assert.deepEqual(scheduler.resume("k"), ["k"]);
  const next = scheduler.nextRun("k")!.getTime();
  const now = scheduler.now();
  assert.ok(next > now - 1, `resumed onto a slot in the past (${now - next} ms ago)`);
  // Whole intervals after the first slot (Dates are whole milliseconds).
  const slots = (next - first) / intervalMs;
  assert.ok(Math.abs(slots - Math.round(slots)) <= 1 / intervalMs, `off phase: ${slots}`);
  assert.ok(Math.round(slots) >= 5);
  scheduler.stop();
  assert.deepEqual(fired, []);
});

Deno.test("Scheduler.pause() without a filter pauses all, and add() keeps a paused job paused", () => {
  const fired: string[] = [];
  const scheduler = new Scheduler((key) => fired.push(key));
  scheduler.add("gbfs::a", { interval: 60, jitter: 0, runAtStart: false });
  scheduler.add("nextbike::b", { interval: 60, jitter: 0, runAtStart: false });
  assert.deepEqual(scheduler.pause().sort(), ["gbfs::a", "nextbike::b"]);
  // A reload replaces the job: still paused, and no run at start while paused.
  scheduler.add("gbfs::a", { interval: 30, jitter: 0, runAtStart: true });
  assert.equal(scheduler.isPaused("gbfs::a"), true);
  assert.equal(scheduler.plan("gbfs::a")?.interval, 30);
  assert.deepEqual(fired, []);
  assert.deepEqual(scheduler.resume((key) => key.startsWith("gbfs::")), ["gbfs::a"]);
  assert.deepEqual(scheduler.pausedKeys(), ["nextbike::b"]);
  assert.deepEqual(scheduler.keys().sort(), ["gbfs::a", "nextbike::b"]);
  scheduler.stop();
});
