/** smallInt: the number it is given, whatever the number (the join stores its results as it says). */
import assert from "node:assert/strict";
import { smallInt } from "../../src/scrape/_small_int.ts";

Deno.test("smallInt() gives back the very same number, -0, fractions and large ones included", () => {
  const values = [
    0,
    -0,
    1,
    -1,
    3,
    12.5,
    -0.25,
    2 ** 31 - 1,
    2 ** 31,
    -(2 ** 31),
    -(2 ** 31) - 1,
    2 ** 32 + 3,
    2 ** 53,
    1e21,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    NaN,
    Infinity,
    -Infinity,
  ];
  for (const value of values) {
    assert.ok(Object.is(smallInt(value), value), `${value}`);
    // Read from a Float64Array, as the join reads its columns.
    assert.ok(
      Object.is(smallInt(new Float64Array([value])[0]!), value),
      `${value} from a Float64Array`,
    );
  }
});
