/**
 * station_status' `vehicle_types_available` as a table of distinct type ids
 * (`Status.types`) and each entry's index in it: both readers make the same
 * table, in the order first seen, whatever the ids are spelled as (strings,
 * numbers, not ASCII, repeated); the scanner gives up on what it leaves to the
 * document path (an escaped id, past MOST_TYPES distinct ids, a wrong type, a
 * cut body), and the join counts each entry by its type's kind.
 */
import assert from "node:assert/strict";
import { readStatus, type Status } from "../../src/scrape/_gbfs_status.ts";
import { scanStatusBytes } from "../../src/scrape/_gbfs_status_scan.ts";
import { readInformation } from "../../src/scrape/_gbfs_information.ts";
import { joinStations, type Kind } from "../../src/scrape/_gbfs_station.ts";

const encoder = new TextEncoder();

function body(types: string[]): string {
  const stations = types.map((list, i) =>
    `{"station_id":"s${i}","is_installed":1,"is_renting":1,"is_returning":1,` +
    `"num_bikes_available":3,"vehicle_types_available":[${list}]}`
  );
  return `{"ttl":1,"data":{"stations":[${stations.join(",")}]}}`;
}

const entry = (id: string, count: number) => `{"vehicle_type_id":${id},"count":${count}}`;

/** Both readers of `text`: the scanner's Status (undefined: it gave up) and the document path's. */
function both(text: string): { scanned: Status | undefined; read: Status } {
  const scanned = scanStatusBytes(encoder.encode(text), 2)?.document;
  const read = readStatus(JSON.parse(text), "u", 2);
  return { scanned, read };
}

Deno.test("vehicle_types_available: one table of distinct ids, in the order first seen, strings and numbers alike", () => {
  const text = body([
    [entry('"2"', 1), entry('"1"', 2)].join(","),
    [entry("1", 3), entry('"2"', 4), entry('"1"', 5)].join(","),
    [entry('"ébike"', 6), entry("2.5", 7), entry('"2"', 8)].join(","),
    "",
  ]);
  const { scanned, read } = both(text);
  assert.ok(scanned !== undefined);
  assert.deepStrictEqual(scanned, read);
  assert.deepStrictEqual(read.types, ["2", "1", "ébike", "2.5"]);
  assert.deepStrictEqual([...read.typeIds], [0, 1, 1, 0, 1, 2, 3, 0]);
  assert.deepStrictEqual([...read.typeCounts], [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("vehicle_types_available: ids ASCII or not, repeated, read alike by both readers", () => {
  for (const id of ['"x"', '"ü"', '"汉字"', '"a-b_c"']) {
    const text = body([[entry(id, 1), entry('"y"', 2), entry(id, 3)].join(",")]);
    const { scanned, read } = both(text);
    assert.ok(scanned !== undefined, id);
    assert.deepStrictEqual(scanned, read, id);
    assert.deepStrictEqual(read.types, [JSON.parse(id), "y"], id);
  }
});

Deno.test("vehicle_types_available: the scanner leaves an escaped id, too many ids, wrong types and cut bodies to the document path", () => {
  const many = (n: number) =>
    body([Array.from({ length: n }, (_, i) => entry(`"t${i}"`, i)).join(",")]);
  const at64 = both(many(64));
  assert.ok(at64.scanned !== undefined);
  assert.deepStrictEqual(at64.scanned, at64.read);
  const at65 = both(many(65));
  assert.equal(at65.scanned, undefined);
  assert.equal(at65.read.types.length, 65);
  assert.equal(both(body([entry('"\\u0031"', 1)])).scanned, undefined);
  for (const wrong of ["true", "null", "[1]", '{"a":1}']) {
    const text = body([entry(wrong, 1)]);
    assert.equal(scanStatusBytes(encoder.encode(text), 2), undefined, wrong);
    assert.ok(readStatus(JSON.parse(text), "u", 2).invalid !== undefined, wrong);
  }
  const good = body([[entry('"1"', 1), entry('"2"', 2)].join(",")]);
  for (let cut = 1; cut < good.length; cut += 7) {
    assert.equal(
      scanStatusBytes(encoder.encode(good.slice(0, cut)), 2),
      undefined,
      `cut at ${cut}`,
    );
  }
});

Deno.test("joinStations() counts each vehicle_types_available entry by its type's kind, repeated types summed", () => {
  const information = readInformation(
    {
      data: {
        stations: [0, 1].map((i) => ({ station_id: `s${i}`, name: `S${i}`, lat: 1, lon: 2 })),
      },
    },
    "u",
  );
  const kinds = new Map<string, Kind | undefined>([["1", "normal_bikes"], ["2", "ebikes"]]);
  const text = body([
    [entry('"1"', 1), entry("2", 2), entry('"1"', 4), entry('"car"', 9)].join(","),
    [entry('"2"', 0.5), entry('"2"', -0)].join(","),
  ]);
  const { scanned, read } = both(text);
  assert.ok(scanned !== undefined);
  const joined = joinStations(information, scanned, kinds, 0);
  assert.deepStrictEqual(joined, joinStations(information, read, kinds, 0));
  const [first, second] = joined.stations;
  assert.equal(first!.extra.normal_bikes, 5);
  assert.equal(first!.extra.ebikes, 2);
  assert.equal(second!.extra.ebikes, 0.5);
  assert.equal(second!.extra.normal_bikes, undefined);
});

Deno.test("vehicle_types_available: entries written alike or not (spaces, keys swapped, added, repeated) read as the document path reads them", () => {
  const lists = [
    '{"vehicle_type_id":"1","count":2},{"vehicle_type_id":"2","count":3}',
    '{"count":2,"vehicle_type_id":"1"},{"vehicle_type_id":"2","count":3},{"count":4,"vehicle_type_id":"1"}',
    '{"count":2,"vehicle_type_id":"1"}, {"count":3 ,"vehicle_type_id":"2"},{ "count":1,"vehicle_type_id":"1"}',
    '{"count":2,"vehicle_type_id":"1","x":[1,{"count":9}]},{"count":3,"vehicle_type_id":"2"}',
    '{"count":2,"vehicle_type_id":"1"},{"count": 3,"vehicle_type_id":\n"2"},{"count":1,"vehicle_type_id":"1"}',
    '{"count":2,"vehicle_type_id":"1"},{"count":3,"vehicle_type_id":"2","vehicle_type_id":"1"}',
    '{"count":2,"vehicle_type_id":"1"},{"count":3,"count":4}',
    '{"count":2,"vehicle_type_id":"1"},{"count":3}',
    '{"count":2,"vehicle_type_id":"1"},{"count":"3","vehicle_type_id":"2"}',
    '{"count":2,"vehicle_type_id":"1"},{"count":3,"vehicle_type_id":"2"',
  ];
  let read = 0;
  for (const list of lists) {
    const text = body([list, list]);
    const scanned = scanStatusBytes(encoder.encode(text), 2)?.document;
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      assert.equal(scanned, undefined, list);
      continue;
    }
    const status = readStatus(document, "u", 2);
    if (scanned === undefined) continue;
    read++;
    assert.equal(status.invalid, undefined, list);
    assert.deepStrictEqual(scanned, status, list);
  }
  assert.equal(read, 5);
});
