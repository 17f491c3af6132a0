import assert from "node:assert/strict";
import { type DeadlineHolder, DeadlineSweep } from "../../src/broker/deadline_sweep.ts";

/** A holder due `afterMs` from now that may be pushed back `postpones` times, then resolves. */
function holder(afterMs: number, postpones = 0) {
  const due = Promise.withResolvers<number>();
  let deadlineMs = performance.now() + afterMs;
  let checks = 0;
  const item: DeadlineHolder & { readonly checks: number } = {
    get checks() {
      return checks;
    },
    checkDeadline(nowMs) {
      checks++;
      if (nowMs < deadlineMs) return deadlineMs;
      if (postpones > 0) {
        postpones--;
        deadlineMs = nowMs + afterMs;
        return deadlineMs;
      }
      due.resolve(nowMs);
      return undefined;
    },
  };
  return {
    item,
    due: due.promise,
    get deadlineMs() {
      return deadlineMs;
    },
  };
}

Deno.test("new DeadlineSweep() refuses a negative or non-finite gap", () => {
  for (const gap of [-1, Number.NaN, Infinity]) {
    assert.throws(() => new DeadlineSweep(gap), RangeError);
  }
});

Deno.test("DeadlineSweep checks every holder on one timer and forgets those it is done with", async () => {
  const sweep = new DeadlineSweep(0);
  const first = holder(5);
  const second = holder(15, 2); // its deadline moves twice before it is due
  sweep.watch(first.item, first.deadlineMs);
  sweep.watch(second.item, second.deadlineMs);
  assert.equal(sweep.size, 2);
  const [firstAt, secondAt] = await Promise.all([first.due, second.due]);
  assert.ok(firstAt >= 0 && secondAt >= firstAt);
  assert.ok(second.item.checks >= 3, `checked ${second.item.checks} times`);
  assert.equal(sweep.size, 0);
});

Deno.test("DeadlineSweep.unwatch() stops checking a holder, and the timer with the last one", async () => {
  const sweep = new DeadlineSweep(0);
  const dropped = holder(5);
  const kept = holder(20);
  sweep.watch(dropped.item, dropped.deadlineMs);
  sweep.watch(kept.item, kept.deadlineMs);
  sweep.unwatch(dropped.item);
  sweep.unwatch(dropped.item); // twice is harmless
  await kept.due;
  assert.equal(dropped.item.checks, 0);
  // An armed timer left behind would fail this test with Deno's timer leak check.
  const last = holder(60_000);
  sweep.watch(last.item, last.deadlineMs);
  sweep.unwatch(last.item);
  assert.equal(sweep.size, 0);
});

Deno.test("DeadlineSweep lets a holder unwatch another during a sweep", async () => {
  const sweep = new DeadlineSweep(0);
  const victim = holder(10_000);
  const done = Promise.withResolvers<void>();
  const killer: DeadlineHolder = {
    checkDeadline() {
      sweep.unwatch(victim.item);
      done.resolve();
      return undefined;
    },
  };
  sweep.watch(killer, performance.now());
  sweep.watch(victim.item, victim.deadlineMs);
  await done.promise;
  assert.equal(sweep.size, 0);
});

Deno.test("DeadlineSweep.clear() stops everything", () => {
  const sweep = new DeadlineSweep();
  const a = holder(60_000);
  sweep.watch(a.item, a.deadlineMs);
  sweep.clear();
  assert.equal(sweep.size, 0);
});
