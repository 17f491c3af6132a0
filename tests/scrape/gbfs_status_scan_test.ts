/**
 * The station_status scanner against the document path (JSON.parse, then
 * readStatus): on every recorded feed both give the same columns, and on
 * thousands of generated and spoiled bodies the scanner either gives what the
 * document path gives or gives up; it never reads a body that is not JSON,
 * not UTF-8, or that the document path refuses.
 */
import assert from "node:assert/strict";
import { readStatus, type Status } from "../../src/scrape/_gbfs_status.ts";
import { type Scanned, scanStatusBytes } from "../../src/scrape/_gbfs_status_scan.ts";
import { statusId } from "../../src/scrape/_gbfs_status_ids.ts";
import { seededRandom } from "../_support/seeded_random.ts";
import { gbfsFixtures, JsonGenerator, type Node } from "./_json_generator.ts";
import { scrapeGbfs } from "../../src/scrape/mod.ts";
import { testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";

const URL_ = "http://feeds.test/station_status.json";
const encoder = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true });

type Slow = { status: Status; ttl: unknown } | { error: string };

/** The document path, as http.ts and the join see it: strict UTF-8, JSON.parse, readStatus. */
function slowPath(bytes: Uint8Array, major: 1 | 2 | 3): Slow {
  try {
    const document = JSON.parse(strict.decode(bytes)) as { ttl?: unknown } | null;
    const status = readStatus(document, URL_, major);
    if (status.invalid !== undefined) return { error: status.invalid.message };
    return { status, ttl: document?.ttl };
  } catch (error) {
    return { error: String(error) };
  }
}

/** The scanner's answer is the document path's, or it gave up. */
function assertAgrees(bytes: Uint8Array, major: 1 | 2 | 3, what: string): Scanned | undefined {
  const fast = scanStatusBytes(bytes, major);
  if (fast === undefined) return undefined;
  const slow = slowPath(bytes, major);
  const text = new TextDecoder().decode(bytes);
  if ("error" in slow) {
    assert.fail(
      `${what}: the scanner read what the document path refuses (${slow.error}):\n${text}`,
    );
  }
  assert.deepStrictEqual(fast.document, slow.status, `${what}:\n${text}`);
  assert.deepStrictEqual(fast.ttl, typeof slow.ttl === "number" ? slow.ttl : undefined, what);
  return fast;
}

Deno.test("scanStatusBytes() reads every recorded station_status as readStatus does, in all three majors", async () => {
  const fixtures = await gbfsFixtures("station_status.json");
  assert.ok(fixtures.length >= 4, `found ${fixtures.length} fixtures`);
  for (const { name, bytes } of fixtures) {
    for (const major of [1, 2, 3] as const) {
      const slow = slowPath(bytes, major);
      const fast = assertAgrees(bytes, major, `${name} as ${major}.x`);
      // A recorded feed that the document path reads is one the scanner must read too.
      if (!("error" in slow)) assert.ok(fast !== undefined, `${name} as ${major}.x not scanned`);
    }
  }
});

/** A station_status generator: the stations and their fields, in every spelling and fault. */
class Generator extends JsonGenerator {
  typesAvailable(): Node {
    if (this.fault(0.05)) return this.wrong();
    return {
      array: Array.from({ length: this.int(4) }, (): Node => {
        if (this.fault(0.03)) return this.wrong();
        const members: [string, Node][] = [];
        if (!this.fault(0.03)) {
          members.push([
            "vehicle_type_id",
            this.chance(0.3) ? this.number(this.int(9)) : this.id(),
          ]);
        }
        if (!this.fault(0.03)) members.push(["count", this.field(() => this.number(this.int(9)))]);
        if (this.chance(0.2)) members.push(["extra", this.unknown(2)]);
        return { object: members };
      }),
    };
  }

  bikeTypes(): Node {
    if (this.fault(0.05)) return this.wrong();
    const count = () => this.field(() => this.number(this.int(20)));
    if (this.chance(0.5)) {
      return { object: [["mechanical", count()], ["ebike", count()], ["other", count()]] };
    }
    return {
      array: Array.from({ length: this.int(3) }, (): Node => ({
        object: [[this.pick(["mechanical", "ebike", "x"]), count()]],
      })),
    };
  }

  station(major: 1 | 2 | 3): Node {
    const members: [string, Node][] = [];
    const add = (name: string, value: () => Node, present = 0.95) => {
      if (present >= 0.98 ? !this.fault(1 - present) : this.chance(present)) {
        members.push([name, value()]);
      }
    };
    add("station_id", () => this.id(), 0.98);
    add("is_installed", () => this.flag(), 0.98);
    add("is_renting", () => this.flag(), 0.98);
    add("is_returning", () => this.flag(), 0.98);
    add("last_reported", () => this.chance(0.05) ? { raw: "null" } : this.time(), 0.8);
    add("num_docks_available", () => this.field(() => this.number(this.int(30))), 0.8);
    add("num_ebikes_available", () => this.field(() => this.number(this.int(30))), 0.5);
    const count = major === 3 ? "num_vehicles_available" : "num_bikes_available";
    add(count, () => this.field(() => this.number(this.int(30))), 0.98);
    // The other version's count: a field like any other.
    add(major === 3 ? "num_bikes_available" : "num_vehicles_available", () => this.number(4), 0.3);
    add("vehicle_types_available", () => this.typesAvailable(), 0.4);
    add("num_bikes_available_types", () => this.bikeTypes(), 0.3);
    add("num_docks_disabled", () => this.unknown(1), 0.5);
    add("vehicle_docks_available", () => this.unknown(1), 0.3);
    return { object: this.shuffle(members) };
  }

  document(major: 1 | 2 | 3): Node {
    const stations = Array.from(
      { length: this.int(6) },
      (): Node => this.fault(0.01) ? this.wrong() : this.station(major),
    );
    const data: [string, Node][] = [["stations", { array: stations }]];
    if (this.chance(0.2)) data.push(["more", this.unknown(0)]);
    const top: [string, Node][] = [["data", this.fault(0.01) ? this.wrong() : { object: data }]];
    if (this.chance(0.8)) top.push(["last_updated", this.time()]);
    if (this.chance(0.7)) top.push(["ttl", this.field(() => this.number(this.int(120)))]);
    if (this.chance(0.2)) top.push(["lastUpdatedOther", this.time()]);
    if (this.chance(0.5)) top.push(["version", this.string(this.pick(["2.3", "3.0", "1.1"]))]);
    return { object: this.shuffle(top) };
  }
}

Deno.test("scanStatusBytes() gives what readStatus gives, or gives up, on 6,000 generated and spoiled bodies", () => {
  const random = seededRandom(20_261_202);
  let read = 0;
  let plain = 0;
  for (let n = 0; n < 6000; n++) {
    const major = ([1, 2, 3] as const)[n % 3]!;
    const generator = new Generator(random);
    const tree = generator.document(major);
    if (generator.single) generator.spoilOne(tree);
    const body = encoder.encode(generator.write(tree));
    const bytes = generator.spoil(body);
    const what = `case ${n} (${major}.x)`;
    const fast = assertAgrees(bytes, major, what);
    if (fast !== undefined) read++;
    // A body the document path reads, with nothing the scanner leaves to it, the scanner reads.
    if (!generator.odd && !("error" in slowPath(bytes, major))) {
      plain++;
      assert.ok(fast !== undefined, `${what}: not scanned:\n${new TextDecoder().decode(bytes)}`);
    }
  }
  // Enough of both kinds to mean something.
  assert.ok(read > 1000, `${read} read`);
  assert.ok(plain > 1000 && 6000 - read > 1000, `${plain} plain, ${4000 - read} given up`);
});

Deno.test("scanStatusBytes() reads a 3,000-station body as readStatus does, and one whose last station is not ASCII", async () => {
  const recorded = JSON.parse(
    await Deno.readTextFile(
      new URL("../../config/demo/gbfs-v2.3-divvy-chicago/station_status.json", import.meta.url),
    ),
  );
  const stations = recorded.data.stations as Record<string, unknown>[];
  // More stations, longer ids and more type ids than any scan before has seen.
  const many = Array.from({ length: 3000 }, (_, i) => ({
    ...stations[i % stations.length],
    "station_id": `${stations[i % stations.length]!.station_id}-${i}`,
  }));
  const body = (list: unknown[]) => ({ ...recorded, data: { stations: list } });
  const ascii = encoder.encode(JSON.stringify(body(many)));
  assert.ok(assertAgrees(ascii, 2, "3,000 stations") !== undefined);
  // A name that is not ASCII, in the last station: the scan starts again on the text.
  const last = { ...many.at(-1)!, "station_id": "Zürich HB", name: "駅 ✓" };
  const mixed = encoder.encode(JSON.stringify(body([...many.slice(0, -1), last])));
  const read = assertAgrees(mixed, 2, "3,000 stations, the last not ASCII");
  assert.ok(read !== undefined);
  assert.equal(statusId(read.document, 2999), "Zürich HB");
  assert.equal(statusId(read.document, 0), many[0]!.station_id);
});

Deno.test("scanStatusBytes() gives up on what only the document path can say", () => {
  const good = '{"ttl":1,"data":{"stations":[{"station_id":"a","is_installed":1,"is_renting":1,' +
    '"is_returning":1,"num_bikes_available":2}]}}';
  assert.ok(scanStatusBytes(encoder.encode(good), 2) !== undefined);
  const cases = [
    good.replace('"station_id"', '"station\\u005fid"'),
    good.replace('"a"', '"\\u0061"'),
    good.replace('"ttl":1', '"ttl":1,"ttl":2'),
    good.replace('"is_renting":1', '"is_renting":1,"is_renting":0'),
    good.replace('"data":{', '"data":{"stations":[],'),
    good.replace("2}", "1e999}"),
    good.replace("2}", '"2"}'),
    good.replace('"is_renting":1', '"is_renting":null'),
    good.replace(',"num_bikes_available":2', ""),
    `[${good}]`,
    `${good}x`,
    good.slice(0, -1),
    good.replace('"ttl":1', `"deep":${"[".repeat(100)}${"]".repeat(100)}`),
  ];
  for (const text of cases) assert.equal(scanStatusBytes(encoder.encode(text), 2), undefined, text);
  assert.equal(
    scanStatusBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(good)]), 2),
    undefined,
  );
  const bad = encoder.encode(good.replace('"a"', '"a\u00ff"'));
  assert.equal(scanStatusBytes(bad.map((b) => (b === 0xc3 ? 0xff : b)), 2), undefined);
});

Deno.test("scrapeGbfs() builds the same network from a station_status the scanner reads and from one it leaves", async () => {
  const status = await Deno.readTextFile(
    new URL("../../config/demo/gbfs-v2.3-divvy-chicago/station_status.json", import.meta.url),
  );
  // An escaped key (an unknown one): the scanner leaves the body to JSON.parse.
  const left = status.replace('"data"', '"\\u0078": 1, "data"');
  assert.equal(scanStatusBytes(encoder.encode(left), 2), undefined);
  assert.ok(scanStatusBytes(encoder.encode(status), 2) !== undefined);
  const path = "gbfs-v2.3-divvy-chicago/station_status.json";
  const scrape = async (body: string) => {
    await using server = startFeedServer({ overrides: { [path]: { body } } });
    const url = server.url("gbfs-v2.3-divvy-chicago");
    const network = await scrapeGbfs({ class: "gbfs", tag: "divvy", name: "", url }, testContext());
    return JSON.parse(JSON.stringify(network).replaceAll(server.origin, "ORIGIN"));
  };
  assert.deepStrictEqual(await scrape(status), await scrape(left));
});
