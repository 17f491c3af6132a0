import assert from "node:assert/strict";
import { describeUpdate } from "../../src/cli/mod.ts";

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

Deno.test("describeUpdate() sums bikes and free docks and tells the age of the newest report", () => {
  const now = Date.parse("2025-01-29T10:00:00Z");
  const stations = [
    { free_bikes: 3, empty_slots: 12, timestamp: "2025-01-29T09:59:00Z" },
    { free_bikes: 4, empty_slots: null, timestamp: "2025-01-29T09:59:30Z" },
    { free_bikes: 0, empty_slots: 5, timestamp: "2025-01-29T09:00:00Z" },
  ];
  assert.equal(
    describeUpdate("network/gbfs/x/update", encode({ stations }), now),
    "network/gbfs/x/update  stations=3 bikes=7 free_docks=17 age=30s",
  );
});

Deno.test("describeUpdate() says what is wrong with a payload that is not a network", () => {
  assert.match(describeUpdate("t", new TextEncoder().encode("<html>")), /non-JSON/);
  assert.match(describeUpdate("t", encode({ stations: 3 })), /no stations array/);
  assert.match(describeUpdate("t", encode(null)), /no stations array/);
  assert.match(describeUpdate("t", new Uint8Array()), /cleared/);
});
