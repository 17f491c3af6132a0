/**
 * The station_information scanner against the document path (JSON.parse, then
 * readInformation): on every recorded feed both give the same index, and on
 * thousands of generated and spoiled bodies the scanner either gives what the
 * document path gives or gives up; it never reads a body that is not JSON,
 * not UTF-8, or that the document path refuses.
 */
import assert from "node:assert/strict";
import { type Information, readInformation } from "../../src/scrape/_gbfs_information.ts";
import { scanInformationBytes } from "../../src/scrape/_gbfs_information_scan.ts";
import { FeedCache, scrapeGbfs } from "../../src/scrape/mod.ts";
import { seededRandom } from "../_support/seeded_random.ts";
import { testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { gbfsFixtures, JsonGenerator, type Node } from "./_json_generator.ts";

const URL_ = "http://feeds.test/station_information.json";
const encoder = new TextEncoder();
const strict = new TextDecoder("utf-8", { fatal: true });

type Slow = { information: Information; ttl: unknown } | { error: string };

/** The document path, as http.ts sees it: strict UTF-8, JSON.parse, readInformation. */
function slowPath(bytes: Uint8Array): Slow {
  try {
    const document = JSON.parse(strict.decode(bytes)) as { ttl?: unknown } | null;
    return { information: readInformation(document, URL_), ttl: document?.ttl };
  } catch (error) {
    return { error: String(error) };
  }
}

/** Which stations share their rental_uris object with the station before. */
function sharing(information: Information): boolean[] {
  return information.bySlot.map((station, i) =>
    i > 0 && station.rentalUris !== undefined &&
    station.rentalUris === information.bySlot[i - 1]!.rentalUris
  );
}

/** The scanner's answer is the document path's, or it gave up. */
function assertAgrees(bytes: Uint8Array, what: string): Information | undefined {
  const fast = scanInformationBytes(bytes, URL_);
  if (fast === undefined) return undefined;
  const slow = slowPath(bytes);
  const text = new TextDecoder().decode(bytes);
  if ("error" in slow) {
    assert.fail(
      `${what}: the scanner read what the document path refuses (${slow.error}):\n${text}`,
    );
  }
  assert.deepStrictEqual(fast.document, slow.information, `${what}:\n${text}`);
  // Beyond equal: the same order of ids, the same objects shared, all frozen.
  assert.deepStrictEqual([...fast.document.byId.keys()], [...slow.information.byId.keys()], what);
  assert.deepStrictEqual(sharing(fast.document), sharing(slow.information), what);
  for (const information of [fast.document, slow.information]) {
    for (const [id, station] of information.byId) assert.equal(information.find(id), station, what);
    assert.equal(information.find("not an id of any feed"), undefined, what);
  }
  for (const station of fast.document.bySlot) {
    if (station.rentalUris !== undefined) assert.ok(Object.isFrozen(station.rentalUris), what);
  }
  assert.deepStrictEqual(fast.ttl, typeof slow.ttl === "number" ? slow.ttl : undefined, what);
  return fast.document;
}

Deno.test("scanInformationBytes() reads every recorded station_information as readInformation does", async () => {
  const fixtures = await gbfsFixtures("station_information.json");
  assert.ok(fixtures.length >= 4, `found ${fixtures.length} fixtures`);
  let scanned = 0;
  for (const { name, bytes } of fixtures) {
    const slow = slowPath(bytes);
    const fast = assertAgrees(bytes, name);
    // A 3.x feed's localized names are left to the document path; every other must be read.
    const localized = !("error" in slow) && /"name"\s*:\s*\[/.test(new TextDecoder().decode(bytes));
    if (!("error" in slow) && !localized) {
      assert.ok(fast !== undefined, `${name} not scanned`);
      scanned++;
    }
  }
  assert.ok(scanned >= 3, `${scanned} scanned`);
});

/** A station_information generator: the fields readInformation reads, in every spelling and fault. */
class Generator extends JsonGenerator {
  /** Ids drawn from a small pool now and then: repeated ids. */
  readonly pool = ["a", "b", "1955905507044284968", "Gare du Nord", "Zürich HB"];

  coordinate(): Node {
    if (this.fault(0.03)) return this.wrong();
    const degrees = (this.random() - 0.5) * 360;
    const forms = [
      String(degrees), // 17 digits: converted later, from text
      degrees.toFixed(5),
      degrees.toFixed(7),
      String(Math.round(degrees)),
      `${Math.round(degrees)}.0`,
      degrees.toExponential(6),
      degrees.toExponential(6).toUpperCase(),
      `${degrees.toFixed(6)}123456789`, // more digits than a double holds
      "0.0000000000000000000000001234", // more decimals than 10^22
      "-0.0",
      "-0",
      "9007199254740993.5",
      "41.92327000000001",
    ];
    if (this.fault(0.02)) return { raw: this.pick(["1e999", "-1e999", "01.5", "1.", ".5", "+1"]) };
    return { raw: this.pick(forms) };
  }

  /** A string the scanner keeps: escapes are read, not given up on. */
  text(options: readonly string[]): Node {
    if (this.fault(0.03)) return this.wrong();
    let text = this.pick(options);
    // As Python's json.dumps writes it: every character past ASCII escaped.
    if (this.chance(0.2)) {
      text = JSON.stringify(text).slice(1, -1).replace(
        /[\u0080-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
      );
      return { raw: `"${text}"` };
    }
    return { raw: this.quote(text, false) };
  }

  name(): Node {
    // 3.x: localized names, which the scanner leaves to the document path.
    if (this.chance(0.03)) {
      this.odd = true;
      return {
        array: [{
          object: [["text", this.string("Gare du Nord")], ["language", this.string("fr")]],
        }],
      };
    }
    return this.text(["Nordica Ave & Medill Ave", "Gare du Nord", "Zürich HB ✓", "駅 😀", "", "x"]);
  }

  stationId(): Node {
    if (this.chance(0.2)) return this.number(this.int(1000));
    if (this.chance(0.1)) return this.text(this.pool);
    return this.text([`${this.int(1_000_000)}-${this.int(9)}`, `station ${this.int(50)}`]);
  }

  optional(value: () => Node): Node {
    return this.chance(0.1) ? { raw: "null" } : value();
  }

  rentalUris(): Node {
    if (this.fault(0.04)) return this.wrong();
    const uri = () =>
      this.field(() =>
        this.chance(0.1)
          ? { raw: "null" }
          : this.text(["https://chi.lft.to/lastmile_qr_scan", "https://x.test/?a=1&b=2", ""])
      );
    const members: [string, Node][] = [];
    for (const os of ["ios", "android", "web"]) if (this.chance(0.6)) members.push([os, uri()]);
    if (this.chance(0.1)) members.push(["other", this.unknown(3)]);
    return { object: this.shuffle(members) };
  }

  /** The same rental_uris as the station before, now and then (most feeds do). */
  lastUris: Node | undefined;

  station(): Node {
    const members: [string, Node][] = [];
    const add = (name: string, value: () => Node, present = 0.95) => {
      if (present >= 0.98 ? !this.fault(1 - present) : this.chance(present)) {
        members.push([name, value()]);
      }
    };
    add("station_id", () => this.stationId(), 0.98);
    add("name", () => this.name(), 0.98);
    add("lat", () => this.coordinate(), 0.98);
    add("lon", () => this.coordinate(), 0.98);
    add("capacity", () => this.optional(() => this.field(() => this.number(this.int(40)))), 0.7);
    add("address", () => this.optional(() => this.text(["1 Main St", "Rue de Rivoli 2"])), 0.3);
    add("post_code", () => this.optional(() => this.text(["75001", "8001"])), 0.2);
    add("is_virtual_station", () => this.optional(() => this.flag()), 0.3);
    add("rental_uris", () => {
      if (this.lastUris !== undefined && this.chance(0.6)) return this.lastUris;
      this.lastUris = this.chance(0.05) ? { raw: "null" } : this.rentalUris();
      return this.lastUris;
    }, 0.6);
    add("short_name", () => this.string(String(this.int(30000))), 0.5);
    add("region_id", () => this.unknown(1), 0.3);
    return { object: this.chance(0.7) ? members : this.shuffle(members) };
  }

  document(): Node {
    const stations = Array.from(
      { length: this.int(7) },
      (): Node => this.fault(0.01) ? this.wrong() : this.station(),
    );
    const data: [string, Node][] = [["stations", { array: stations }]];
    if (this.chance(0.2)) data.push(["more", this.unknown(0)]);
    const top: [string, Node][] = [["data", this.fault(0.01) ? this.wrong() : { object: data }]];
    if (this.chance(0.8)) top.push(["last_updated", this.time()]);
    if (this.chance(0.7)) top.push(["ttl", this.field(() => this.number(this.int(120)))]);
    if (this.chance(0.5)) top.push(["version", this.string(this.pick(["2.3", "3.0", "1.1"]))]);
    return { object: this.shuffle(top) };
  }
}

Deno.test("scanInformationBytes() gives what readInformation gives, or gives up, on 6,000 generated and spoiled bodies", () => {
  const random = seededRandom(20_261_203);
  let read = 0;
  let plain = 0;
  for (let n = 0; n < 6000; n++) {
    const generator = new Generator(random);
    const tree = generator.document();
    if (generator.single) generator.spoilOne(tree);
    const body = encoder.encode(generator.write(tree));
    const bytes = generator.spoil(body);
    const what = `case ${n}`;
    const fast = assertAgrees(bytes, what);
    if (fast !== undefined) read++;
    // A body the document path reads, with nothing the scanner leaves to it, the scanner reads.
    if (!generator.odd && !("error" in slowPath(bytes))) {
      plain++;
      assert.ok(fast !== undefined, `${what}: not scanned:\n${new TextDecoder().decode(bytes)}`);
    }
  }
  // Enough of both kinds to mean something.
  assert.ok(read > 1000, `${read} read`);
  assert.ok(plain > 1000 && 6000 - read > 1000, `${plain} plain, ${6000 - read} given up`);
});

Deno.test("scanInformationBytes() reads coordinates as JSON.parse does, in every length and spelling", () => {
  const random = seededRandom(7);
  const values: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const x = (random() - 0.5) * 10 ** (random() * 8 - 2);
    values.push(
      String(x),
      x.toFixed(i % 17),
      x.toPrecision(1 + (i % 21)),
      x.toExponential(i % 20),
      String(Math.floor(x * 1e6)),
    );
  }
  const stations = values.map((value, i) =>
    `{"station_id":"${i}","name":"n","lat":${value},"lon":0}`
  );
  const bytes = encoder.encode(`{"data":{"stations":[${stations.join(",")}]}}`);
  const read = assertAgrees(bytes, "coordinates");
  assert.ok(read !== undefined);
  values.forEach((value, i) => assert.ok(Object.is(read.bySlot[i]!.latitude, JSON.parse(value))));
});

/** The demo's station_information, parsed. */
async function recordedInformation(): Promise<{ data: { stations: Record<string, unknown>[] } }> {
  return JSON.parse(
    await Deno.readTextFile(
      new URL(
        "../../config/demo/gbfs-v2.3-divvy-chicago/station_information.json",
        import.meta.url,
      ),
    ),
  );
}

Deno.test("scanInformationBytes() reads a 3,000-station body as readInformation does, escaped, and with a last station that is not ASCII", async () => {
  const recorded = await recordedInformation();
  const stations = recorded.data.stations;
  const many = Array.from({ length: 3000 }, (_, i) => {
    const station = stations[i % stations.length]!;
    return {
      ...station,
      "station_id": `${station.station_id}-${i}`,
      lat: (station.lat as number) + i * 0.001,
    };
  });
  const body = (list: unknown[]) => JSON.stringify({ ...recorded, data: { stations: list } });
  assert.ok(assertAgrees(encoder.encode(body(many)), "3,000 stations") !== undefined);
  const last = { ...many.at(-1)!, "station_id": "Zürich HB", name: "駅 ✓" };
  const mixed = body([...many.slice(0, -1), last]);
  const read = assertAgrees(encoder.encode(mixed), "3,000 stations, the last not ASCII");
  assert.equal(read?.bySlot.at(-1)?.name, "駅 ✓");
  // As Python writes it (ensure_ascii): every character past ASCII an escape.
  const escaped = mixed.replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  const unescaped = assertAgrees(encoder.encode(escaped), "3,000 stations, escaped");
  assert.equal(unescaped?.bySlot.at(-1)?.id, "Zürich HB");
});

Deno.test("scanInformationBytes() reads strings decoded in more than one text, one longer than a text", async () => {
  const recorded = await recordedInformation();
  const stations = recorded.data.stations;
  // Names of every length around the texts' 32 KB, so that a chunk ends at
  // every kind of place: one name alone longer than a chunk, then short ones.
  const lengths = [40_000, 1, 2, 30_000, 2_767, 2_768, 2_769, 13, 64_000, 5];
  const many = Array.from({ length: 400 }, (_, i) => ({
    ...stations[i % stations.length]!,
    "station_id": `long-${i}`,
    name: `${i}:`.padEnd(lengths[i % lengths.length]!, String.fromCharCode(0x61 + (i % 26))),
  }));
  const body = JSON.stringify({ ...recorded, data: { stations: many } });
  const read = assertAgrees(encoder.encode(body), "long names");
  assert.ok(read !== undefined);
  assert.deepStrictEqual(read.names, many.map((station) => station.name));
  assert.deepStrictEqual(read.ids, many.map((station) => station.station_id));
});

Deno.test("scanInformationBytes() gives up on what only the document path can say", () => {
  const good = '{"ttl":1,"data":{"stations":[{"station_id":"a","name":"A","lat":1.5,"lon":2,' +
    '"rental_uris":{"ios":"x"}}]}}';
  assert.ok(scanInformationBytes(encoder.encode(good), URL_) !== undefined);
  const cases = [
    good.replace('"station_id"', '"station\\u005fid"'),
    good.replace('"ttl":1', '"ttl":1,"ttl":2'),
    good.replace('"lat":1.5', '"lat":1.5,"lat":2'),
    good.replace('"ios":"x"', '"ios":"x","ios":"y"'),
    good.replace('"data":{', '"data":{"stations":[],'),
    good.replace('"name":"A"', '"name":[{"text":"A","language":"en"}]'),
    good.replace("1.5", "1e999"),
    good.replace("1.5", '"1.5"'),
    good.replace('"name":"A"', '"name":null'),
    good.replace('"ios":"x"', '"ios":1'),
    good.replace('{"ios":"x"}', '["x"]'),
    good.replace(',"lon":2', ""),
    `[${good}]`,
    `${good}x`,
    good.slice(0, -1),
    good.replace('"ttl":1', `"deep":${"[".repeat(100)}${"]".repeat(100)}`),
  ];
  for (const text of cases) {
    assert.equal(scanInformationBytes(encoder.encode(text), URL_), undefined, text);
  }
  assert.equal(
    scanInformationBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode(good)]), URL_),
    undefined,
  );
  const bad = encoder.encode(good.replace('"A"', '"A\u00ff"'));
  assert.equal(scanInformationBytes(bad.map((b) => (b === 0xc3 ? 0xff : b)), URL_), undefined);
});

const SET = "gbfs-v2.3-divvy-chicago";
const INFORMATION = `${SET}/station_information.json`;

/** The network scrapeGbfs makes with this station_information body, or its error's message. */
async function scrapeWith(body: string): Promise<unknown> {
  await using server = startFeedServer({ overrides: { [INFORMATION]: { body } } });
  const url = server.url(SET);
  try {
    const network = await scrapeGbfs({ class: "gbfs", tag: "divvy", name: "", url }, testContext());
    return JSON.parse(JSON.stringify(network).replaceAll(server.origin, "ORIGIN"));
  } catch (error) {
    return { error: (error as Error).message.replaceAll(server.origin, "ORIGIN") };
  }
}

Deno.test("scrapeGbfs() builds the same network from a station_information the scanner reads and from one it leaves", async () => {
  const information = await Deno.readTextFile(
    new URL(`../../config/demo/${INFORMATION}`, import.meta.url),
  );
  // An escaped key (an unknown one): the scanner leaves the body to JSON.parse.
  const left = information.replace('"data"', '"\\u0078": 1, "data"');
  assert.equal(scanInformationBytes(encoder.encode(left), URL_), undefined);
  assert.ok(scanInformationBytes(encoder.encode(information), URL_) !== undefined);
  assert.deepStrictEqual(await scrapeWith(information), await scrapeWith(left));
});

Deno.test("scrapeGbfs() fails on a bad station_information with readInformation's own words", async () => {
  const information = await Deno.readTextFile(
    new URL(`../../config/demo/${INFORMATION}`, import.meta.url),
  );
  const bad = [
    information.replace(/"lat": [\d.]+/, '"lat": "north"'),
    information.replace(/"station_id": "\d+"/, '"station_id": null'),
    information.replace('"ios"', '"ios": 7, "x"'),
    information.replace(/"name": /, '"name": 1, "other": '),
    information.slice(0, -20),
  ];
  for (const body of bad) {
    assert.equal(scanInformationBytes(encoder.encode(body), URL_), undefined);
    const slow = slowPath(encoder.encode(body));
    const scraped = await scrapeWith(body) as { error?: string };
    assert.ok("error" in slow && scraped.error !== undefined, body.slice(0, 200));
    // The same words: what readInformation says, or JSON.parse, under the feed's URL.
    const feed = `feed ORIGIN/${INFORMATION}: `;
    const expected = slow.error.startsWith("FeedError: ")
      ? feed + slow.error.slice(`FeedError: feed ${URL_}: `.length)
      : `${feed}invalid JSON: `;
    assert.ok(scraped.error.startsWith(expected), `${scraped.error} vs ${expected}`);
  }
});

Deno.test("scanInformationBytes() reuses the body before's stations when only the rest changed, and only then", async () => {
  const recorded = await Deno.readTextFile(
    new URL(`../../config/demo/${INFORMATION}`, import.meta.url),
  );
  const first = scanInformationBytes(encoder.encode(recorded), URL_);
  assert.ok(first !== undefined);
  /** The scan of `text` after `before` (its body and what was read of it), checked against the document path. */
  const after = (before: { text: string; information: Information }, text: string) => {
    const bytes = encoder.encode(text);
    const previous = { body: encoder.encode(before.text), document: before.information };
    const read = scanInformationBytes(bytes, URL_, previous);
    const slow = slowPath(bytes);
    if (read === undefined) return undefined;
    assert.ok(!("error" in slow), text.slice(0, 200));
    assert.deepStrictEqual(read.document, slow.information);
    assert.deepStrictEqual(read.ttl, slow.ttl);
    return { text, information: read.document };
  };
  const start = { text: recorded, information: first.document };
  // last_updated moved on (one digit more), ttl changed, a member added before data: the same stations.
  const moved = recorded.replace(/"last_updated": \d+/, '"last_updated": 17381440590')
    .replace(/"ttl": \d+/, '"ttl": 7').replace("{", '{"more": [1, {"x": null}],');
  const second = after(start, moved);
  assert.equal(second?.information, first.document);
  // Again from the reused one (its array is now where this body has it).
  const third = after(second!, moved.replace('"ttl": 7', '"ttl": 8'));
  assert.equal(third?.information, first.document);
  // A station changed (a name; a byte of a coordinate; one station more): read anew.
  const renamed = after(third!, third!.text.replace("Nordica Ave", "Nordica Av."));
  assert.ok(renamed !== undefined && renamed.information !== first.document);
  assert.equal(renamed.information.bySlot[0]!.name, "Nordica Av. & Medill Ave");
  const nudged = after(renamed, renamed.text.replace(/("lat": \d+\.\d*)\d/, "$15"));
  assert.ok(nudged !== undefined && nudged.information !== renamed.information);
  const document = JSON.parse(nudged.text);
  document.data.stations.push({ ...document.data.stations[0], "station_id": "new" });
  const longer = after(nudged, JSON.stringify(document, null, 1));
  assert.ok(longer !== undefined && longer.information.size === nudged.information.size + 1);
  // The same array, but a body the document path reads otherwise (a second stations) or refuses.
  const twice = moved.replace('"data": {', '"data": {"stations": [],');
  assert.equal(after(second!, twice), undefined);
  assert.equal(after(second!, `${moved}x`), undefined);
  // What the document path read (no array known) is not reused, and gives the same.
  const read = readInformation(JSON.parse(recorded), URL_);
  assert.notEqual(after({ text: recorded, information: read }, moved)?.information, read);
});

Deno.test("scrapeGbfs() with a FeedCache builds the same networks as without one from a station_information whose last_updated moves on", async () => {
  const recorded = await Deno.readTextFile(
    new URL(`../../config/demo/${INFORMATION}`, import.meta.url),
  );
  await using server = startFeedServer();
  const url = server.url(SET);
  const spec = { class: "gbfs", tag: "divvy", name: "", url };
  const cache = new FeedCache({ maxTtlS: 0, discoveryTtlS: 0 });
  const bodies = [
    recorded,
    recorded.replace(/"last_updated": \d+/, '"last_updated": 1'),
    recorded.replace(/"last_updated": \d+/, '"last_updated": 12345678901'),
    recorded.replace("Nordica Ave", "Nordica"),
    recorded.replace("Nordica Ave", "Nordica").replace(/"last_updated": \d+/, '"last_updated": 2'),
  ];
  for (const body of bodies) {
    server.overrides[INFORMATION] = { body, noValidators: true };
    const cached = await scrapeGbfs(spec, testContext({ cache }));
    const fresh = await scrapeGbfs(spec, testContext());
    assert.deepStrictEqual(cached, fresh);
  }
});
