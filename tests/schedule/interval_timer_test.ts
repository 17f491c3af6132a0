import assert from "node:assert/strict";
import { IntervalTimer } from "../../src/schedule/_interval_timer.ts";
import { Scheduler } from "../../src/schedule/mod.ts";

Deno.test("IntervalTimer fires at its first due time and keeps the phase for the next one", async () => {
  const intervalMs = 40;
  const firstDue = Date.now() + 10;
  const fired = Promise.withResolvers<number>();
  const timer = new IntervalTimer(intervalMs, firstDue, () => fired.resolve(Date.now()));
  assert.equal(timer.nextRun()?.getTime(), firstDue);
  const at = await fired.promise;
  assert.ok(at >= firstDue);
  // The next due time is counted from the due time, not from the (later) firing.
  const next = timer.nextRun()!.getTime();
  assert.equal((next - firstDue) % intervalMs, 0);
  assert.ok(next > at && next - intervalMs <= at);
  timer.stop();
  assert.equal(timer.nextRun(), null);
});

Deno.test("IntervalTimer.resume() skips the runs missed while paused, on the same phase", () => {
  const intervalMs = 10_000;
  const firstDue = Date.now() - 25_000;
  let fired = 0;
  const timer = new IntervalTimer(intervalMs, firstDue, () => fired++);
  timer.pause();
  timer.resume();
  const next = timer.nextRun()!.getTime();
  const now = Date.now();
  assert.equal((next - firstDue) % intervalMs, 0);
  assert.ok(next > now && next - intervalMs <= now, `next ${next - now} ms from now`);
  timer.stop();
  assert.equal(fired, 0);
});

Deno.test("IntervalTimer stopped from its own callback fires no more", async () => {
  let fired = 0;
  let timer: IntervalTimer | undefined = undefined;
  timer = new IntervalTimer(5, Date.now(), () => {
    fired++;
    timer?.stop();
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(fired, 1);
});

Deno.test("IntervalTimer refuses a bad interval or first due time", () => {
  for (const bad of [0, -1, Number.NaN, Infinity]) {
    assert.throws(() => new IntervalTimer(bad, Date.now(), () => {}), RangeError);
  }
  assert.throws(() => new IntervalTimer(1000, Number.NaN, () => {}), /first due time/);
});

Deno.test("Scheduler keeps thousands of interval jobs light (no parsed cron pattern each)", () => {
  const jobs = 2000;
  const scheduler = new Scheduler(() => {});
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < jobs; i++) {
    scheduler.add(`bench::net-${i}`, { interval: 60, jitter: 5, runAtStart: false });
  }
  const perJob = (Deno.memoryUsage().heapUsed - before) / jobs;
  scheduler.stop();
  // A Croner job per network held about 85 KB; a few KB is all an interval job needs.
  assert.ok(perJob < 8 * 1024, `${Math.round(perJob)} bytes per job`);
});
