import assert from "node:assert/strict";
import { Scheduler } from "../../src/schedule/mod.ts";

Deno.test("Scheduler.pause() stops firing and drops pending jittered runs; resume() fires again", async () => {
  const fired: string[] = [];
  const second = Promise.withResolvers<void>();
  const scheduler = new Scheduler((key) => {
    fired.push(key);
    if (key === "gbfs::a" && fired.filter((k) => k === key).length === 2) second.resolve();
  }, { random: () => 0.5 });
  scheduler.add("gbfs::a", { interval: 1, jitter: 0, runAtStart: true });
  scheduler.add("gbfs::b", { interval: 60, jitter: 1, runAtStart: true });
  // b's first run waits for its jitter; pausing b drops it.
  assert.deepEqual(scheduler.pause((key) => key === "gbfs::b"), ["gbfs::b"]);
  assert.deepEqual(scheduler.pause((key) => key === "gbfs::b"), []);
  assert.equal(scheduler.isPaused("gbfs::b"), true);
  assert.deepEqual(scheduler.pausedKeys(), ["gbfs::b"]);
  await second.promise;
  assert.deepEqual(fired, ["gbfs::a", "gbfs::a"]);
  assert.deepEqual(scheduler.resume(), ["gbfs::b"]);
  assert.equal(scheduler.isPaused("gbfs::b"), false);
  scheduler.stop();
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
