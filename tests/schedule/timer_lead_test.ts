import assert from "node:assert/strict";
import { TimerLead } from "../../src/schedule/_timer_lead.ts";

/** A fixed pseudo-random sequence in [0, 1), so the test sees the same lateness every run. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

Deno.test("TimerLead settles near a low quantile of the lateness, not pulled up by slow wake-ups", () => {
  const lead = new TimerLead({ quantile: 0.05, stepMs: 0.05, maxMs: 5 });
  const random = sequence(7);
  const seen: number[] = [];
  let early = 0;
  for (let i = 0; i < 20_000; i++) {
    // Usually 1.0–1.4 ms late; one wake-up in ten stuck behind 5–25 ms of other work.
    const lateMs = i % 10 === 9 ? 5 + 20 * random() : 1 + 0.4 * random();
    // A wake-up later than the lead lands after its due time; one earlier comes too soon.
    if (i >= 15_000) {
      seen.push(lateMs);
      if (lateMs < lead.ms) early++;
    }
    lead.observe(lateMs);
  }
  const sorted = seen.sort((a, b) => a - b);
  const p5 = sorted[Math.floor(0.05 * sorted.length)]!;
  assert.ok(Math.abs(lead.ms - p5) < 0.1, `lead ${lead.ms} ms, 5th percentile ${p5} ms`);
  // About one wake-up in twenty came early, and none of the slow ones moved the lead up.
  const share = early / seen.length;
  assert.ok(share > 0.02 && share < 0.08, `early share ${share}`);
  assert.ok(lead.ms < 1.4, `lead ${lead.ms} ms`);
});

Deno.test("TimerLead stays between 0 and its cap and ignores values that are not finite numbers", () => {
  const lead = new TimerLead({ maxMs: 2 });
  assert.equal(lead.ms, 0);
  for (let i = 0; i < 1_000; i++) lead.observe(-3);
  assert.equal(lead.ms, 0);
  for (let i = 0; i < 100_000; i++) lead.observe(100);
  assert.equal(lead.ms, 2);
  for (const bad of [NaN, Infinity, -Infinity, "1" as unknown as number]) lead.observe(bad);
  assert.equal(lead.ms, 2);
});

Deno.test("new TimerLead() refuses a quantile, step or cap out of range", () => {
  assert.throws(() => new TimerLead({ quantile: 0 }), RangeError);
  assert.throws(() => new TimerLead({ quantile: 1 }), RangeError);
  assert.throws(() => new TimerLead({ stepMs: 0 }), RangeError);
  assert.throws(() => new TimerLead({ stepMs: NaN }), RangeError);
  assert.throws(() => new TimerLead({ maxMs: -1 }), /maxMs must be a number ≥ 0, got -1/);
});
