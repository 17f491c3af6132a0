/**
 * station_information's ids kept as bytes (`Information.sameIdAt`): whichever
 * reader made the Information (the scanner from the body's bytes, or
 * readInformation from the parsed document), an ASCII id is told by its bytes
 * and a non-ASCII one never (the join then looks it up as a string), as
 * `sameId` tells the id's string; and the join gives the same stations either way.
 */
import assert from "node:assert/strict";
import { readInformation } from "../../src/scrape/_gbfs_information.ts";
import { scanInformationBytes } from "../../src/scrape/_gbfs_information_scan.ts";
import { readStatus } from "../../src/scrape/_gbfs_status.ts";
import { scanStatusBytes } from "../../src/scrape/_gbfs_status_scan.ts";
import { sameId } from "../../src/scrape/_gbfs_status_ids.ts";
import { joinStations } from "../../src/scrape/_gbfs_station.ts";

const encoder = new TextEncoder();

/** Ids in every spelling a station_information has: plain, escaped, numbers, not ASCII, repeated, empty. */
const SPELLED = [
  '"a-1"',
  '"\\u0062-2"',
  "17",
  "1.50",
  '"Zürich"',
  '"\\u00e9t\\u00e9"',
  '"a-1"',
  '""',
  '"汉字-3"',
  '"x\\"y"',
];

function informationBody(ids: string[]): string {
  const stations = ids.map((id, i) => `{"station_id":${id},"name":"S${i}","lat":1.5,"lon":-2}`);
  return `{"ttl":1,"data":{"stations":[${stations.join(",")}]}}`;
}

function statusBody(ids: string[]): string {
  const stations = ids.map((id) =>
    `{"station_id":${JSON.stringify(id)},"is_installed":1,"is_renting":1,"is_returning":0,` +
    `"num_bikes_available":2,"num_docks_available":3}`
  );
  return `{"ttl":1,"data":{"stations":[${stations.join(",")}]}}`;
}

Deno.test("sameIdAt() answers as sameId on the id's string, for both readers' Information", () => {
  for (const ascii of [true, false]) {
    // Without the non-ASCII ids, the scanner reads the body from its bytes alone.
    const isAscii = (id: string) => [...id].every((c) => c.charCodeAt(0) < 0x80);
    const ids = ascii ? SPELLED.filter((id) => isAscii(id) && !id.includes("\\u00")) : SPELLED;
    const text = informationBody(ids);
    const scanned = scanInformationBytes(encoder.encode(text), "u")?.document;
    assert.ok(scanned !== undefined);
    const read = readInformation(JSON.parse(text), "u");
    assert.deepStrictEqual(scanned.ids, read.ids);
    const candidates = [...read.ids, "a-", "a-11", "Zurich", "b-2 ", "17.0", "1.5"];
    for (const information of [scanned, read]) {
      for (let slot = 0; slot < information.size; slot++) {
        for (const candidate of candidates) {
          const bytes = encoder.encode(`#${candidate}#`);
          assert.equal(
            information.sameIdAt(slot, bytes, 1, bytes.length - 1),
            sameId(information.ids[slot]!, bytes, 1, bytes.length - 1),
            `${information.ids[slot]} against ${candidate}`,
          );
        }
      }
    }
  }
});

Deno.test("joinStations() finds every id, ASCII or not, in order or not, repeated, from either reader", () => {
  const information = informationBody(SPELLED);
  const infos = [
    scanInformationBytes(encoder.encode(information), "u")!.document,
    readInformation(JSON.parse(information), "u"),
  ];
  // The status scanner leaves an escaped id to the document path: not listed there.
  const distinct = infos[1]!.ids.filter((id) => !id.includes('"'));
  const orders = [
    [...distinct],
    [...distinct].reverse(),
    [...distinct.slice(3), "orphan", ...distinct.slice(0, 3), "é-orphan", distinct[0]!],
  ];
  for (const order of orders) {
    const text = statusBody(order);
    const statuses = [
      scanStatusBytes(encoder.encode(text), 2)!.document,
      readStatus(JSON.parse(text), "u", 2),
    ];
    const joined = infos.flatMap((info) =>
      statuses.map((status) => joinStations(info, status, new Map(), 0))
    );
    for (const other of joined.slice(1)) assert.deepStrictEqual(other, joined[0]);
    assert.equal(joined.length, 4);
    assert.deepStrictEqual(joined[0]!.stations.map((s) => s.id), distinct);
    assert.deepStrictEqual(joined[0]!.orphans, order.filter((id) => id.includes("orphan")));
  }
});

Deno.test("sameIdAt(): ids longer than the room made for them, ASCII or not, all told right", () => {
  for (const accent of ["", "é"]) {
    // Without an accent the scanner reads the ids from the body's bytes, else from its text.
    const ids = Array.from(
      { length: 300 },
      (_, i) => `"${i % 7 === 0 ? accent : ""}x${"-".repeat(i % 90)}${i}"`,
    );
    const text = informationBody(ids);
    const scanned = scanInformationBytes(encoder.encode(text), "u")!.document;
    const read = readInformation(JSON.parse(text), "u");
    for (const information of [scanned, read]) {
      for (let slot = 0; slot < information.size; slot++) {
        const id = information.ids[slot]!;
        for (const candidate of [id, `${id}0`, id.slice(1)]) {
          const bytes = encoder.encode(candidate);
          assert.equal(
            information.sameIdAt(slot, bytes, 0, bytes.length),
            sameId(id, bytes, 0, bytes.length),
            `${id} against ${candidate}`,
          );
        }
      }
    }
  }
});
