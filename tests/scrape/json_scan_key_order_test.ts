/**
 * The scanners try each key where the record before had it (`orderedKey`): a
 * key the order lacks goes in, up to a bound, so records of two shapes in
 * turn each find their keys; whatever the keys' order, the scan reads what
 * the document path reads.
 */
import assert from "node:assert/strict";
import { readInformation } from "../../src/scrape/_gbfs_information.ts";
import { scanInformationBytes } from "../../src/scrape/_gbfs_information_scan.ts";
import { readStatus } from "../../src/scrape/_gbfs_status.ts";
import { scanStatusBytes } from "../../src/scrape/_gbfs_status_scan.ts";

const encoder = new TextEncoder();

function assertBothRead(text: string) {
  const information = scanInformationBytes(encoder.encode(text), "u")?.document;
  assert.ok(information !== undefined);
  assert.deepStrictEqual(information, readInformation(JSON.parse(text), "u"));
}

Deno.test("orderedKey: stations of two shapes in turn, and keys moved, added and dropped, read as the document path reads them", () => {
  const a = (i: number) =>
    `{"name":"A${i}","lat":1.5,"short_name":"${i}","capacity":${i},"rental_uris":{"ios":"x"},"lon":2,"station_id":"a${i}"}`;
  const b = (i: number) =>
    `{"name":"B${i}","lat":1.25,"capacity":${i},"rental_uris":{"ios":"x"},"address":"St ${i}","lon":3,"station_id":"b${i}"}`;
  const c = (i: number) =>
    `{"station_id":"c${i}","lon":4,"lat":5,"name":"C${i}","post_code":"${i}"}`;
  const stations = Array.from(
    { length: 60 },
    (_, i) => (i % 5 === 4 ? b(i) : i % 7 === 6 ? c(i) : a(i)),
  );
  assertBothRead(`{"data":{"stations":[${stations.join(",")}]}}`);
});

Deno.test("orderedKey: records whose keys are never seen twice (more than it keeps) read as the document path reads them", () => {
  const stations = Array.from({ length: 30 }, (_, i) => {
    const extra = Array.from({ length: 40 }, (_, j) => `"k${i}_${j}":${j}`).join(",");
    return `{${extra},"station_id":"s${i}","name":"N","lat":1,"lon":2,"capacity":${i}}`;
  });
  assertBothRead(`{"data":{"stations":[${stations.join(",")}]}}`);
  const statuses = Array.from({ length: 30 }, (_, i) => {
    const extra = Array.from({ length: 40 }, (_, j) => `"k${i}_${j}":${j}`).join(",");
    return `{${extra},"station_id":"s${i}","is_installed":1,"is_renting":1,"is_returning":1,"num_bikes_available":${i}}`;
  });
  const text = `{"data":{"stations":[${statuses.join(",")}]}}`;
  const scanned = scanStatusBytes(encoder.encode(text), 2)?.document;
  assert.ok(scanned !== undefined);
  assert.deepStrictEqual(scanned, readStatus(JSON.parse(text), "u", 2));
});
