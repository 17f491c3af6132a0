import assert from "node:assert/strict";
import { MetricsRegistry } from "../../src/metrics/mod.ts";
import { type KernelSleep, Scheduler } from "../../src/schedule/mod.ts";
import { kernelSleep } from "./_kernel_sleep.ts";

interface Firing {
  key: string;
  dueAt: number;
  lateMs: number;
}

/** A scheduler that records its firings and resolves `until(n)` once n have come. */
function recording(options: ConstructorParameters<typeof Scheduler>[1] = {}) {
  const fired: Firing[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const scheduler = new Scheduler((key, dueAt, lateMs) => {
    fired.push({ key, dueAt, lateMs });
    for (const waiter of waiters) if (fired.length >= waiter.count) waiter.resolve();
  }, options);
  const until = (count: number) => {
    const { promise, resolve } = Promise.withResolvers<void>();
    if (fired.length >= count) resolve();
    else waiters.push({ count, resolve });
    return promise;
  };
  return { scheduler, fired, until };
}

Deno.test("Scheduler.add() with runAtStart fires once at start, then every interval on the same phase", async () => {
  const intervalS = 0.03;
  const { scheduler, fired, until } = recording({ random: () => 0 });
  scheduler.add("gbfs::a", { interval: intervalS, jitter: 0, runAtStart: true });
  // Not synchronous: the first run goes through the timer like every other one.
  assert.equal(fired.length, 0);
  await until(3);
  scheduler.stop();
  assert.deepEqual(fired.map((f) => f.key), ["gbfs::a", "gbfs::a", "gbfs::a"]);
  for (const firing of fired) assert.ok(firing.lateMs >= 0, `late ${firing.lateMs} ms`);
  // Each due time is the last one plus the interval, however late the last call was.
  for (let i = 1; i < fired.length; i++) {
    const step = fired[i]!.dueAt - fired[i - 1]!.dueAt;
    assert.ok(Math.abs(step - intervalS * 1000) < 1e-6, `step ${step} ms`);
  }
});

Deno.test("Scheduler draws the jitter into the due time it announces and hands to onDue", async () => {
  const jitterS = 0.02;
  const random = 0.5;
  const { scheduler, fired, until } = recording({ random: () => random });
  const before = scheduler.now();
  scheduler.add("k", { interval: 60, jitter: jitterS, runAtStart: true });
  const announced = scheduler.nextRun("k")!.getTime();
  const after = scheduler.now();
  await until(1);
  scheduler.stop();
  // The Date of nextRun() is whole milliseconds; the due time handed over is exact.
  assert.equal(Math.floor(fired[0]!.dueAt), announced);
  const offset = random * jitterS * 1000;
  assert.ok(fired[0]!.dueAt >= before + offset && fired[0]!.dueAt <= after + offset);
});

Deno.test("Scheduler serves every job due by the same time from one timer", async () => {
  const jobs = 500;
  const armed: number[] = [];
  const nativeSetTimeout = globalThis.setTimeout;
  const { scheduler, fired, until } = recording({ random: () => 0 });
  globalThis.setTimeout = ((callback: () => void, delay?: number) => {
    armed.push(delay ?? 0);
    return nativeSetTimeout(callback, delay);
  }) as typeof setTimeout;
  try {
    for (let i = 0; i < jobs; i++) {
      scheduler.add(`k${i}`, { interval: 60, jitter: 0, runAtStart: true });
    }
    await until(jobs);
  } finally {
    globalThis.setTimeout = nativeSetTimeout;
    scheduler.stop();
  }
  assert.equal(new Set(fired.map((f) => f.key)).size, jobs);
  // A timer per job would be 500; adds that are not earlier than the armed one arm nothing.
  assert.ok(armed.length <= 4, `${armed.length} timers armed for ${jobs} jobs`);
});

Deno.test("Scheduler skips the slots missed during a stall and keeps the phase", async () => {
  const intervalMs = 10;
  const { scheduler, fired, until } = recording({ random: () => 0 });
  scheduler.add("k", { interval: intervalMs / 1000, jitter: 0, runAtStart: true });
  await until(1);
  // Hold the event loop for several intervals: the runs due meanwhile are not made up.
  const stalledUntil = scheduler.now() + 6 * intervalMs;
  while (scheduler.now() < stalledUntil) { /* stall */ }
  await until(3);
  scheduler.stop();
  // The slot that fell due during the stall fires once, late; the ones after it are skipped.
  assert.ok(fired[1]!.lateMs > 0);
  assert.ok(fired[2]!.dueAt > stalledUntil, "a slot missed during the stall was made up");
  const slots = (fired[2]!.dueAt - fired[0]!.dueAt) / intervalMs;
  assert.ok(Math.abs(slots - Math.round(slots)) < 1e-6, `off phase: ${slots} intervals`);
});

Deno.test("Scheduler.remove() from a job's own onDue stops it, and a throwing onDue hurts no other job", async () => {
  const fired: string[] = [];
  const both = Promise.withResolvers<void>();
  let scheduler: Scheduler | undefined = undefined;
  scheduler = new Scheduler((key) => {
    fired.push(key);
    if (key === "once") scheduler?.remove("once");
    if (key === "throws" && fired.filter((k) => k === "throws").length === 2) both.resolve();
    if (key === "throws") throw new Error("onDue failed");
  }, { random: () => 0 });
  scheduler.add("once", { interval: 0.005, jitter: 0, runAtStart: true });
  scheduler.add("throws", { interval: 0.01, jitter: 0, runAtStart: true });
  await both.promise;
  scheduler.stop();
  assert.deepEqual(fired.filter((k) => k === "once"), ["once"]);
  assert.equal(scheduler.has("once"), false);
});

Deno.test("Scheduler runs cron jobs through Croner, jitter drawn after the slot", () => {
  const jitterS = 30;
  const scheduler = new Scheduler(() => {}, { random: () => 0.5 });
  scheduler.add("k", { cron: "0 0 * * *", timezone: "UTC", jitter: jitterS, runAtStart: false });
  const next = scheduler.nextRun("k")!;
  const slot = new Date(next.getTime() - 0.5 * jitterS * 1000);
  assert.equal(slot.getUTCHours(), 0);
  assert.equal(slot.getUTCMinutes(), 0);
  assert.equal(slot.getUTCSeconds(), 0);
  assert.ok(slot.getTime() > Date.now());
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

Deno.test("Scheduler records how late each run fires in the metrics registry", async () => {
  const metrics = new MetricsRegistry();
  const { scheduler, until } = recording({ metrics });
  scheduler.add("k", { interval: 60, jitter: 0, runAtStart: true });
  await until(1);
  scheduler.stop();
  assert.match(metrics.render(), /^spoke_schedule_drift_seconds_count 1$/m);
});

Deno.test("Scheduler.add() refuses a bad plan with an error naming the key, and keeps the old job", () => {
  const scheduler = new Scheduler(() => {});
  scheduler.add("k", { interval: 60, jitter: 1, runAtStart: false });
  const next = scheduler.nextRun("k");
  const bad: Array<[unknown, RegExp]> = [
    [
      { cron: "not a cron", jitter: 0, runAtStart: false },
      /schedule k: bad cron pattern "not a cron"/,
    ],
    [
      { cron: "0 0 * * *", timezone: "Mars/Olympus", jitter: 0, runAtStart: false },
      /schedule k: bad cron pattern "0 0 \* \* \*" \(timezone Mars\/Olympus\)/,
    ],
    [{ interval: 0, jitter: 0, runAtStart: false }, /schedule k: interval must be a positive/],
    [{ interval: -5, jitter: 0, runAtStart: false }, /got -5/],
    [{ interval: Number.NaN, jitter: 0, runAtStart: false }, /got NaN/],
    [{ interval: Infinity, jitter: 0, runAtStart: false }, /got Infinity/],
    [{ interval: "often", jitter: 0, runAtStart: false }, /got often/],
    [{ interval: 60, jitter: -1, runAtStart: false }, /schedule k: jitter must be a number/],
    [{ interval: 60, jitter: Number.NaN, runAtStart: false }, /jitter .* got NaN/],
    [null, /schedule k: the plan must be an object/],
  ];
  for (const [plan, message] of bad) {
    assert.throws(() => scheduler.add("k", plan as never), message);
  }
  assert.throws(
    () => scheduler.add("", { interval: 60, jitter: 0, runAtStart: false }),
    /a job needs a non-empty key/,
  );
  assert.throws(() => new Scheduler("not a function" as never), /onDue must be a function/);
  assert.deepEqual(scheduler.keys(), ["k"]);
  assert.deepEqual(scheduler.nextRun("k"), next);
  scheduler.stop();
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
  // A Croner job per network held about 85 KB; a few numbers is all an interval job needs.
  assert.ok(perJob < 2 * 1024, `${Math.round(perJob)} bytes per job`);
});

/**
 * Runs 200 jobs until `calls` runs have fired and returns how early each early
 * one was (ms), by the clock the scheduler keeps.
 */
async function earlyFirings(
  options: ConstructorParameters<typeof Scheduler>[1],
  plan: { interval: number; jitter: number; calls: number },
): Promise<number[]> {
  const early: number[] = [];
  let count = 0;
  const { promise, resolve } = Promise.withResolvers<void>();
  const scheduler: Scheduler = new Scheduler((_key, dueAt) => {
    const now = scheduler.now();
    if (now < dueAt) early.push(dueAt - now);
    if (++count === plan.calls) resolve();
  }, options);
  for (let i = 0; i < 200; i++) {
    scheduler.add(`gbfs::n${i}`, {
      interval: plan.interval,
      jitter: plan.jitter,
      runAtStart: true,
    });
  }
  await promise;
  scheduler.stop();
  await scheduler.settled();
  return early;
}

Deno.test("Scheduler never calls onDue before the due time, though it arms its timer ahead", async () => {
  // Three rounds 50 ms apart, due times spread over 20 ms: hundreds of wake-ups for the lead
  // to learn from.
  assert.deepEqual(await earlyFirings({}, { interval: 0.05, jitter: 0.02, calls: 600 }), []);
});

Deno.test("Scheduler fires a job once per wake-up even when it comes due again while firing", async () => {
  let calls = 0;
  let inOneWake = 0;
  let most = 0;
  const { promise, resolve } = Promise.withResolvers<void>();
  const scheduler: Scheduler = new Scheduler(() => {
    calls++;
    most = Math.max(most, ++inOneWake);
    // Reset once the wake-up's synchronous loop is over.
    queueMicrotask(() => inOneWake = 0);
    // Slower than the interval: by the time this returns, the next slot is already due.
    const until = performance.now() + 2;
    while (performance.now() < until) { /* busy */ }
    if (inOneWake > 20) scheduler.stop(); // a runaway loop ends here rather than hang the test
    if (calls === 5) resolve();
  });
  scheduler.add("gbfs::fast", { interval: 0.001, jitter: 0, runAtStart: true });
  await promise;
  scheduler.stop();
  assert.equal(most, 1);
});

/** Runs `body` with setTimeout counted; returns the delays asked for. */
async function countingTimers(body: () => Promise<void>): Promise<number[]> {
  const armed: number[] = [];
  const nativeSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = ((callback: () => void, delay?: number) => {
    armed.push(delay ?? 0);
    return nativeSetTimeout(callback, delay);
  }) as typeof setTimeout;
  try {
    await body();
  } finally {
    globalThis.setTimeout = nativeSetTimeout;
  }
  return armed;
}

Deno.test("Scheduler with a kernel sleep starts a run due sooner than a timer can wait without a timer", async () => {
  // Due 0.5 ms after it is added: a timer asked for the least it takes (1 ms) fires 2 ms on.
  using sleep = kernelSleep();
  const { scheduler, fired, until } = recording({ random: () => 0.5, kernelSleep: sleep });
  const armed = await countingTimers(async () => {
    scheduler.add("gbfs::near", { interval: 60, jitter: 0.001, runAtStart: true });
    await until(1);
  });
  scheduler.stop();
  await scheduler.settled();
  // The one timer is the next run's, a minute on (capped at 30 s).
  assert.deepEqual(armed, [30_000]);
  assert.equal(fired.length, 1);
  assert.ok(fired[0]!.lateMs >= 0, `fired ${-fired[0]!.lateMs} ms early`);
});

Deno.test("Scheduler without a kernel sleep leaves the same run to a timer", async () => {
  const { scheduler, fired, until } = recording({ random: () => 0.5 });
  const armed = await countingTimers(async () => {
    scheduler.add("gbfs::near", { interval: 60, jitter: 0.001, runAtStart: true });
    await until(1);
  });
  scheduler.stop();
  assert.deepEqual(armed, [1, 30_000]);
  assert.equal(fired.length, 1);
  assert.ok(fired[0]!.lateMs >= 0);
});

Deno.test("Scheduler, with a kernel sleep or without, never fires early across hundreds of close wake-ups", async () => {
  using sleep = kernelSleep();
  for (const options of [{ kernelSleep: sleep }, {}]) {
    // Due times 0.05 ms apart on average: most gaps are shorter than any timer.
    const early = await earlyFirings(options, { interval: 0.03, jitter: 0.01, calls: 400 });
    assert.deepEqual(early, [], `kernel sleep ${options.kernelSleep !== undefined}`);
  }
});

Deno.test("Scheduler with a kernel sleep fires nothing for a job removed while it slept for it, and settles", async () => {
  using sleep = kernelSleep();
  const { scheduler, fired, until } = recording({ random: () => 0.5, kernelSleep: sleep });
  scheduler.add("gbfs::gone", { interval: 60, jitter: 0.004, runAtStart: true });
  // Due 200 ms on: the timer's, far past the sleep of the job removed.
  scheduler.add("gbfs::later", { interval: 60, jitter: 0.4, runAtStart: true });
  scheduler.remove("gbfs::gone");
  await scheduler.settled();
  assert.equal(fired.length, 0);
  await until(1);
  scheduler.stop();
  await scheduler.settled();
  assert.deepEqual(fired.map((firing) => firing.key), ["gbfs::later"]);
});

Deno.test("Scheduler whose kernel sleep fails keeps to its timer and still fires every run", async () => {
  let calls = 0;
  const failing: KernelSleep = {
    sleep: () => {
      calls++;
      return Promise.reject(new Error("nanosleep: EFAULT"));
    },
    [Symbol.dispose]: () => {},
  };
  const { scheduler, fired, until } = recording({ random: () => 0.5, kernelSleep: failing });
  scheduler.add("gbfs::a", { interval: 0.01, jitter: 0.001, runAtStart: true });
  await until(3);
  scheduler.stop();
  await scheduler.settled();
  assert.equal(calls, 1);
  for (const firing of fired) assert.ok(firing.lateMs >= 0);
});
