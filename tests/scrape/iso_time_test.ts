import assert from "node:assert/strict";
import { isoTime } from "../../src/scrape/_gbfs_station.ts";

Deno.test("isoTime() gives what Date.toISOString() gives, across days, years and odd inputs", () => {
  const seconds = [
    0,
    59.999,
    86_399,
    86_400,
    951_782_400, // 2000-02-29
    1_738_143_909,
    1_738_143_909.5,
    1_738_195_199, // 23:59:59
    1_738_195_200, // midnight after it
    1_738_143_909.123_456, // not whole milliseconds: Date rounds
    -1,
    -86_400.25,
    253_402_300_799, // 9999-12-31T23:59:59
    253_402_300_800, // year 10000: +010000-…
  ];
  // One call after the other, so the cached day is wrong for the next one.
  for (const s of [...seconds, ...seconds.toReversed()]) {
    assert.equal(isoTime(s), new Date(s * 1000).toISOString(), String(s));
  }
  for (let s = 1_738_100_000; s < 1_738_300_000; s += 997) {
    assert.equal(isoTime(s), new Date(s * 1000).toISOString(), String(s));
  }
});

Deno.test("isoTime() gives the right string for seconds that share a slot of its cache", () => {
  // The same second, another millisecond of it, and seconds 256 apart, 256 days apart, in turn.
  const base = 1_738_143_909;
  const turns = [base, base + 0.5, base + 256, base + 256 * 86_400, base, base + 0.5, base + 256];
  for (let round = 0; round < 3; round++) {
    for (const s of turns) assert.equal(isoTime(s), new Date(s * 1000).toISOString(), String(s));
  }
});
