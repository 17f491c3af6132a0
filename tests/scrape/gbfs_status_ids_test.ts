/**
 * station_status' ids as bytes (`_gbfs_status_ids.ts`): told against
 * station_information's strings without decoding, looked up out of order by
 * their bytes as by their strings, and number ids kept as their strings
 * whichever reader read them.
 */
import assert from "node:assert/strict";
import { encodeIds, sameId, statusId, statusIds } from "../../src/scrape/_gbfs_status_ids.ts";
import { readStatus } from "../../src/scrape/_gbfs_status.ts";
import { scanStatusBytes } from "../../src/scrape/_gbfs_status_scan.ts";
import { readInformation } from "../../src/scrape/_gbfs_information.ts";

const encoder = new TextEncoder();
const URL_ = "http://feeds.test/station_status.json";

Deno.test("sameId() tells an ASCII id by its bytes, and never a string that is not ASCII", () => {
  const bytes = encoder.encode("xab-1é");
  assert.equal(sameId("ab-1", bytes, 1, 5), true);
  assert.equal(sameId("ab-2", bytes, 1, 5), false);
  assert.equal(sameId("ab-", bytes, 1, 5), false);
  assert.equal(sameId("", bytes, 3, 3), true);
  // "é" is the two bytes C3 A9: the string U+00C3 U+00A9 has the same code units.
  const accent = encoder.encode("é");
  assert.equal(sameId("\u00c3\u00a9", accent, 0, 2), false);
  assert.equal(sameId("é", accent, 0, 2), false);
});

Deno.test("encodeIds() and statusId() give back every id, ASCII or not, empty or not", () => {
  const ids = ["1955905507044284968-0", "", "Zürich HB", "駅", "😀-7", "a", "12"];
  const encoded = encodeIds(ids);
  assert.deepStrictEqual(statusIds({ ...encoded, count: ids.length }), ids);
  assert.equal(statusId(encoded, 2), "Zürich HB");
});

Deno.test("slotOfBytes() finds what slotOf() finds, for every id and for ids not there", () => {
  const ids = ["s1", "Zürich HB", "駅", "1955905507044284968-0", "7", "a\u00c3\u00a9"];
  const information = readInformation(
    {
      data: {
        stations: ids.map((id, i) => ({ station_id: id, name: `n${i}`, lat: 1, lon: 2 })),
      },
    },
    "http://feeds.test/station_information.json",
  );
  const asked = [...ids, "s2", "Zürich", "aé", "", "1955905507044284968-1"];
  const encoded = encodeIds(asked);
  for (let i = 0; i < asked.length; i++) {
    const from = i === 0 ? 0 : encoded.idEnds[i - 1]!;
    assert.equal(
      information.slotOfBytes(encoded.idBytes, from, encoded.idEnds[i]!),
      information.slotOf(asked[i]!),
      asked[i]!,
    );
  }
});

Deno.test("scanStatusBytes() keeps number ids as their strings, as readStatus does, plain or not", () => {
  const ids = ["12", "0", "-5", "1.5", "1e3", "12.0", "1234567890123456", '"x"'];
  const stations = ids.map((id) =>
    `{"station_id":${id},"is_installed":1,"is_renting":1,"is_returning":1,"num_bikes_available":2}`
  );
  const text = `{"ttl":1,"data":{"stations":[${stations.join(",")}]}}`;
  const scanned = scanStatusBytes(encoder.encode(text), 2);
  assert.ok(scanned !== undefined);
  const read = readStatus(JSON.parse(text), URL_, 2);
  assert.deepStrictEqual(scanned.document, read);
  assert.deepStrictEqual(statusIds(read), [
    "12",
    "0",
    "-5",
    "1.5",
    "1000",
    "12",
    "1234567890123456",
    "x",
  ]);
});
