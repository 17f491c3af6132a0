import assert from "node:assert/strict";
import {
  backoffDelayMs,
  CircuitBreaker,
  type FailureInfo,
  TaskQueue,
} from "../../src/queue/mod.ts";
import { MetricsRegistry } from "../../src/metrics/mod.ts";

Deno.test("backoffDelayMs() doubles per attempt, stays in [half, full] and respects the cap", () => {
  const base = 100;
  for (const attempt of [1, 2, 3, 4]) {
    const full = base * 2 ** (attempt - 1);
    assert.equal(backoffDelayMs(attempt, base, Infinity, () => 0), full / 2);
    assert.equal(backoffDelayMs(attempt, base, Infinity, () => 0.999999) <= full, true);
  }
  assert.equal(backoffDelayMs(40, base, 5_000, () => 0), 2_500);
  assert.equal(Number.isFinite(backoffDelayMs(10_000, base)), true);
});

Deno.test("backoffDelayMs() refuses a bad attempt or base", () => {
  assert.throws(() => backoffDelayMs(0, 100), /attempt must be a positive integer, got 0/);
  assert.throws(() => backoffDelayMs(1, -1), /base must be a finite number >= 0, got -1/);
  assert.throws(() => backoffDelayMs(1, NaN), /got NaN/);
});

Deno.test("TaskQueue retries a failing task `retries` times, holding its key, then counts one failure", async () => {
  const infos: FailureInfo[] = [];
  const metrics = new MetricsRegistry();
  const queue = new TaskQueue("q", 1, { onError: (_t, _e, info) => infos.push(info), metrics });
  let attempts = 0;
  const retries = 3;
  queue.push({
    key: "flaky",
    retries,
    backoffMs: 1,
    run: () => {
      attempts++;
      return Promise.reject(new Error(`attempt ${attempts}`));
    },
  });
  assert.equal(queue.push({ key: "flaky", run: () => Promise.resolve() }), "duplicate");
  await queue.idle();
  assert.equal(attempts, retries + 1);
  assert.deepEqual(infos.map((info) => info.attempt), [0, 1, 2, 3]);
  assert.deepEqual(infos.map((info) => info.retryInMs !== undefined), [true, true, true, false]);
  const stats = queue.stats();
  assert.deepEqual([stats.retries, stats.failed, stats.completed], [retries, 1, 0]);
  assert.equal(metrics.value("spoke_queue_retries_total", { queue: "q" }), retries);
  assert.equal(queue.has("flaky"), false);
  await queue.close();
});

Deno.test("TaskQueue stops retrying at the first success", async () => {
  const queue = new TaskQueue("q", 1, { onError: () => {} });
  let attempts = 0;
  queue.push({
    key: "k",
    retries: 5,
    backoffMs: 1,
    run: () => ++attempts < 3 ? Promise.reject(new Error("no")) : Promise.resolve(),
  });
  await queue.idle();
  assert.equal(attempts, 3);
  assert.deepEqual([queue.stats().retries, queue.stats().failed, queue.stats().completed], [
    2,
    0,
    1,
  ]);
  await queue.close();
});

Deno.test("TaskQueue.close() cancels pending retries and frees their keys", async () => {
  const queue = new TaskQueue("q", 1, { onError: () => {} });
  const failed = Promise.withResolvers<void>();
  queue.push({
    key: "k",
    retries: 1,
    backoffMs: 60_000,
    run: () => {
      failed.resolve();
      return Promise.reject(new Error("no"));
    },
  });
  await failed.promise;
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(queue.stats().retrying, 1);
  await queue.close();
  assert.equal(queue.stats().retrying, 0);
  assert.equal(queue.has("k"), false);
});

Deno.test("CircuitBreaker opens after N failures, doubles up to max, half-opens and closes on success", () => {
  let now = 1_000_000;
  const changes: string[] = [];
  const breaker = new CircuitBreaker({
    defaults: { failures: 3, backoffMs: 1_000, maxMs: 3_000 },
    now: () => now,
    onChange: (state) => changes.push(state.state),
  });
  breaker.failure("k");
  breaker.failure("k");
  assert.equal(breaker.state("k").state, "closed");
  assert.equal(breaker.allow("k"), true);
  const opened = breaker.failure("k");
  assert.deepEqual(opened, {
    key: "k",
    state: "open",
    consecutiveFailures: 3,
    openUntil: now + 1_000,
  });
  assert.equal(breaker.allow("k"), false);
  now += 1_000;
  assert.equal(breaker.state("k").state, "half-open");
  assert.equal(breaker.allow("k"), true);
  // The trial fails: open twice as long, then capped at max.
  assert.equal(breaker.failure("k").openUntil, now + 2_000);
  assert.equal(breaker.failure("k").openUntil, now + 3_000);
  assert.equal(breaker.allow("other"), true);
  breaker.success("k");
  assert.deepEqual(breaker.state("k"), { key: "k", state: "closed", consecutiveFailures: 0 });
  assert.deepEqual(breaker.states(), []);
  assert.deepEqual(changes, ["open", "open", "open", "closed"]);
});

Deno.test("new CircuitBreaker() refuses bad settings", () => {
  assert.throws(
    () => new CircuitBreaker({ defaults: { failures: 0 } }),
    /failures must be a positive integer, got 0/,
  );
  assert.throws(
    () => new CircuitBreaker({ defaults: { backoffMs: 10, maxMs: 5 } }),
    /max must be >= backoff \(10\), got 5/,
  );
  assert.throws(() => new CircuitBreaker().failure("k", { backoffMs: -1 }), /got -1/);
});

Deno.test("TaskQueue refuses a key whose breaker is open and records outcomes in it", async () => {
  const breaker = new CircuitBreaker({
    defaults: { failures: 2, backoffMs: 60_000, maxMs: 60_000 },
  });
  const queue = new TaskQueue("q", 1, { breaker, onError: () => {} });
  const failing = { key: "dead", run: () => Promise.reject(new Error("down")) };
  for (let i = 0; i < 2; i++) {
    assert.equal(queue.push(failing), "queued");
    await queue.idle();
  }
  assert.equal(breaker.state("dead").state, "open");
  assert.equal(queue.push(failing), "open");
  assert.equal(queue.stats().open, 1);
  // Another key is not affected; a success clears its failure count.
  let alive = 0;
  queue.push({ key: "alive", run: () => Promise.reject(new Error("once")) });
  await queue.idle();
  queue.push({ key: "alive", run: () => Promise.resolve(void alive++) });
  await queue.idle();
  assert.equal(alive, 1);
  assert.equal(breaker.state("alive").consecutiveFailures, 0);
  await queue.close();
});

Deno.test("TaskQueue does not count tasks aborted by close() against their breaker", async () => {
  const breaker = new CircuitBreaker({ defaults: { failures: 1 } });
  const infos: FailureInfo[] = [];
  const queue = new TaskQueue("q", 1, { breaker, onError: (_t, _e, info) => infos.push(info) });
  const started = Promise.withResolvers<void>();
  queue.push({
    key: "k",
    retries: 3,
    run: (signal) =>
      new Promise((_, reject) => {
        started.resolve();
        signal.addEventListener("abort", () => reject(signal.reason));
      }),
  });
  await started.promise;
  await queue.close(0);
  assert.deepEqual(infos.map((info) => info.aborted), [true]);
  assert.deepEqual([queue.stats().aborted, queue.stats().failed, queue.stats().retries], [1, 0, 0]);
  assert.equal(breaker.state("k").state, "closed");
});
