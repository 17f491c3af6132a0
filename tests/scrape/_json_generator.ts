/**
 * What the byte scanners' equivalence tests share: every recorded GBFS
 * document of a kind, and a generator of JSON bodies as trees whose leaves may
 * be any text (numbers in every spelling, broken tokens), written out with
 * random whitespace, key order, repeated keys and escapes, and spoiled.
 */

const encoder = new TextEncoder();

const fixtureRoots = [
  new URL("../fixtures/", import.meta.url),
  new URL("../../config/demo/", import.meta.url),
  new URL("file:///work/shared/fixtures/"),
];

/** Every `<file>` of a GBFS set under the fixture roots (the shared ones when they are there). */
export async function gbfsFixtures(file: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const found: { name: string; bytes: Uint8Array }[] = [];
  for (const root of fixtureRoots) {
    const sets: Deno.DirEntry[] = [];
    try {
      for await (const set of Deno.readDir(root)) sets.push(set);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    for (const set of sets) {
      if (!set.isDirectory || !set.name.startsWith("gbfs")) continue;
      const url = new URL(`${set.name}/${file}`, root);
      try {
        found.push({ name: url.pathname, bytes: await Deno.readFile(url) });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
  }
  return found;
}

export type Node =
  | { raw: string }
  | { object: [string, Node][] }
  | { array: Node[] };

/** A generator of bodies; a subclass says what a document of its kind holds. */
export class JsonGenerator {
  /** Set when the body uses something the scanner leaves to the document path. */
  odd = false;
  /**
   * 0 for a body without faults, 1 with them at their rates; a `single` body is
   * written without faults, then {@link spoilOne} changes one place of it: the
   * kind that tells whether the scanner gives up on each fault by itself.
   */
  readonly noise: number;
  readonly single: boolean;
  #faults = 0;
  constructor(readonly random: () => number) {
    const mode = this.pick(["clean", "single", "single", "many"]);
    this.noise = mode === "many" ? 1 : 0;
    this.single = mode === "single";
  }

  /** A fault, at its rate (none in a body without noise). */
  fault(p: number): boolean {
    if (this.single && this.#faults > 0) return false;
    const yes = this.random() < p * this.noise;
    if (yes) this.#faults++;
    return yes;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(options: readonly T[]): T {
    return options[Math.floor(this.random() * options.length)]!;
  }
  int(max: number): number {
    return Math.floor(this.random() * max);
  }

  /** A number in one of JSON's spellings (or, rarely, one JSON does not have). */
  number(value: number): Node {
    const forms = [
      String(value),
      String(value),
      `${value}.0`,
      `${value}e0`,
      `${value}E+0`,
      `${value * 10}e-1`,
      `${value / 100}e2`,
      value === 0 ? "-0" : String(-value),
      value === 0 ? "0.000" : `${value}.5`,
    ];
    if (this.fault(0.02)) {
      return {
        raw: this.pick(["1e999", "-1e999", "01", "1.", ".5", "+1", "1e", "NaN", "-", "0x1"]),
      };
    }
    if (this.chance(0.01)) return { raw: "123456789012345678901234567890" };
    if (this.chance(0.01)) return { raw: "9007199254740993" };
    return { raw: this.pick(forms) };
  }

  string(text: string): Node {
    return { raw: this.quote(text, false) };
  }

  /** JSON text of a string, sometimes with escapes (`kept`: the scanner reads this one). */
  quote(text: string, kept: boolean): string {
    if (this.fault(0.03)) {
      const i = this.int(text.length + 1);
      const escape = this.pick([
        "\\u0041",
        "\\n",
        '\\"',
        "\\/",
        "\\\\",
        "\\ud83d\\ude00",
        "\\x",
        "\\u12",
      ]);
      if (kept) this.odd = true;
      return `"${text.slice(0, i)}${escape}${text.slice(i)}"`;
    }
    if (this.fault(0.01)) return `"${text}\t"`; // a raw control character: not JSON
    return JSON.stringify(text);
  }

  /** A value of some other type, for a field that expects `good`. */
  wrong(): Node {
    return this.pick<Node>([
      { raw: "null" },
      { raw: "true" },
      { raw: "false" },
      { raw: '"3"' },
      { raw: '""' },
      { object: [] },
      { array: [] },
      { object: [["a", { raw: "1" }]] },
      { array: [{ raw: "1" }] },
      { raw: "1e999" },
      { raw: "7" },
      { raw: "-3" },
    ]);
  }

  field(good: () => Node, wrongRate = 0.04): Node {
    return this.fault(wrongRate) ? this.wrong() : good();
  }

  time(): Node {
    const seconds = 1_738_000_000 + this.int(100_000);
    if (this.chance(0.3)) {
      const iso = new Date(seconds * 1000).toISOString();
      return this.string(this.pick([iso, iso.replace("Z", "+02:00"), iso.slice(0, 19) + "Z"]));
    }
    if (this.fault(0.02)) return this.string(this.pick(["yesterday", "2025-13-45T99:00:00Z"]));
    if (this.fault(0.02)) return { raw: this.pick(["1e13", "-9e12", "8.64e12", "10000000000000"]) };
    return this.chance(0.1) ? { raw: `${seconds}.25` } : this.number(seconds);
  }

  flag(): Node {
    return this.field(() =>
      this.pick<Node>([
        { raw: "true" },
        { raw: "false" },
        { raw: "0" },
        { raw: "1" },
        { raw: "2" },
        {
          raw: "-0",
        },
      ])
    );
  }

  id(): Node {
    const ids = ["1955905507044284968", "station1", "Gare du Nord", "Zürich HB", "駅", "😀-7", "a"];
    if (this.chance(0.2)) return this.number(this.int(1_000_000));
    if (this.fault(0.03)) return this.wrong();
    return { raw: this.quote(this.pick(ids), true) };
  }

  unknown(depth: number): Node {
    if (depth > 3 || this.chance(0.5)) {
      return this.pick<Node>([
        this.number(this.int(50)),
        this.string("x"),
        { raw: "null" },
        { raw: "true" },
        this.string("naïve – ✓"),
      ]);
    }
    if (this.chance(0.5)) {
      return { array: Array.from({ length: this.int(3) }, () => this.unknown(depth + 1)) };
    }
    return {
      object: Array.from(
        { length: this.int(3) },
        () => [this.pick(["k", "vehicle_type_id", "count", "x y", "ü"]), this.unknown(depth + 1)],
      ),
    };
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  space(): string {
    if (this.fault(0.003)) return this.pick(["\u00a0", "\f", "\v"]); // not JSON whitespace
    if (!this.chance(0.3)) return "";
    return this.pick([" ", "\n", "\r\n", "\t", "  \n   "]);
  }

  write(node: Node): string {
    if ("raw" in node) return node.raw;
    if ("array" in node) {
      return `[${this.space()}${
        node.array.map((item) => this.write(item) + this.space()).join(`,${this.space()}`)
      }]`;
    }
    const members = node.object.map(([key, value]) => this.member(key, value));
    // A key written twice: JSON.parse keeps the last value.
    if (node.object.length > 0 && this.fault(0.03)) {
      const [key, value] = this.pick(node.object);
      members.splice(this.int(members.length + 1), 0, this.member(key, value));
      this.odd = true;
    }
    return `{${this.space()}${members.join(`,${this.space()}`)}${this.space()}}`;
  }

  member(key: string, value: Node): string {
    return `${this.quote(key, true)}${this.space()}:${this.space()}${
      this.write(value)
    }${this.space()}`;
  }

  /** Replaces, drops or repeats one value, anywhere in the tree. */
  spoilOne(root: Node): void {
    const places: { members: [string, Node][] | Node[]; index: number }[] = [];
    const walk = (node: Node) => {
      if ("raw" in node) return;
      const members = "object" in node ? node.object : node.array;
      members.forEach((member, index) => {
        places.push({ members, index });
        walk(Array.isArray(member) ? member[1] : member);
      });
    };
    walk(root);
    if (places.length === 0) return;
    const { members, index } = this.pick(places);
    const roll = this.random();
    if (roll < 0.15) {
      members.splice(index, 1);
      return;
    }
    const member = members[index]!;
    if (Array.isArray(member)) {
      if (roll < 0.25) {
        (members as [string, Node][]).splice(index, 0, [member[0], this.wrong()]);
        this.odd = true;
      } else if (roll < 0.3) {
        // A key that JSON.stringify escapes: left to the document path.
        member[0] = `${member[0]}\n`;
        this.odd = true;
      } else member[1] = this.wrong();
    } else (members as Node[])[index] = this.wrong();
  }

  /** Spoils the written body at the byte level, sometimes. */
  spoil(bytes: Uint8Array): Uint8Array {
    if (this.noise === 0) return bytes;
    const roll = this.random();
    if (roll < 0.04) return bytes.subarray(0, this.int(bytes.length)); // truncated
    const at = this.int(bytes.length + 1);
    const insert = (more: number[]) =>
      new Uint8Array([...bytes.subarray(0, at), ...more, ...bytes.subarray(at)]);
    if (roll < 0.06) return insert([this.pick([0x2c, 0x7d, 0x5d, 0x22, 0x3a, 0x78, 0x00])]);
    if (roll < 0.07) return insert([0xff]); // not UTF-8
    if (roll < 0.08) return insert([0xc3]); // a cut sequence
    if (roll < 0.09) {
      return new Uint8Array([...bytes, ...encoder.encode(this.pick(["x", "{}", ",", " \n"]))]);
    }
    if (roll < 0.10) {
      this.odd = true;
      return new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]); // BOM
    }
    if (roll < 0.11) return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + 1)]);
    return bytes;
  }
}
