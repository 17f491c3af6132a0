import assert from "node:assert/strict";
import gbfsData from "../../config/catalog/gbfs.json" with { type: "json" };
import nextbikeData from "../../config/catalog/nextbike.json" with { type: "json" };
import { runCli } from "./_run_cli.ts";

// The built-in catalog read straight from its files, not through src/catalog.
const builtin = [
  ...gbfsData.networks.map((n) => ({ class: "gbfs", ...n })),
  ...nextbikeData.networks.map((n) => ({ class: "nextbike", ...n })),
];
const keyOf = (n: { class: string; tag: string }) => `${n.class}::${n.tag}`;

async function withConfig(toml: string, run: (file: string) => Promise<void>): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".toml" });
  try {
    await Deno.writeTextFile(file, toml);
    await run(file);
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("spoke networks --class nextbike --json prints the built-in Nextbike cities", async () => {
  const { code, stdout, stderr } = await runCli(["networks", "--class", "NextBike", "--json"]);
  assert.equal(code, 0, stderr);
  const expected = builtin.filter((n) => n.class === "nextbike");
  assert.deepEqual(JSON.parse(stdout), expected);
  assert.equal(stderr.trim(), `${expected.length} network(s) (${expected.length} nextbike)`);
});

Deno.test("spoke networks --match is anchored on <class>::<tag>, like a rule", async () => {
  const pattern = "gbfs::citi.*";
  const { code, stdout } = await runCli(["networks", "--match", pattern, "--json"]);
  assert.equal(code, 0);
  const expected = builtin.filter((n) => new RegExp(`^(?:${pattern})$`).test(keyOf(n)));
  assert.ok(expected.length > 0);
  assert.deepEqual(JSON.parse(stdout).map(keyOf), expected.map(keyOf));

  const fragment = await runCli(["networks", "--match", "citi", "--json"]);
  assert.equal(fragment.code, 0);
  assert.deepEqual(JSON.parse(fragment.stdout), []);
  assert.equal(fragment.stderr.trim(), "0 network(s)");
});

Deno.test("spoke networks prints one line per network: key, schedule, URL", async () => {
  const { code, stdout } = await runCli(["networks", "--class", "nextbike"]);
  assert.equal(code, 0);
  const lines = stdout.trimEnd().split("\n");
  const expected = builtin.filter((n) => n.class === "nextbike");
  assert.equal(lines.length, expected.length);
  lines.forEach((line, i) => {
    assert.deepEqual(line.split(/\s{2,}|\s+(?=https?:)/).filter(Boolean), [
      keyOf(expected[i]!),
      "every 60s",
      expected[i]!.url,
    ]);
  });
});

Deno.test("spoke networks filters the config's networks, its shard, and --plan with them", async () => {
  const toml = `[catalog]
builtin = false
[[rules]]
match = "gbfs::.*"
interval = 300
[[networks]]
class = "gbfs"
tag = "my-city"
name = "My City"
url = "https://example.org/gbfs.json"
[[networks]]
class = "gbfs"
tag = "other-city"
name = "Other City"
url = "https://example.org/other/gbfs.json"
[[networks]]
class = "nextbike"
tag = "my-nextbike"
name = "My Nextbike"
url = "https://example.org/nextbike-live.json?domains=zz"
city_uid = 3
`;
  await withConfig(toml, async (file) => {
    const gbfs = await runCli(["networks", "-c", file, "--class", "gbfs", "--json"]);
    assert.equal(gbfs.code, 0, gbfs.stderr);
    assert.deepEqual(JSON.parse(gbfs.stdout).map(keyOf), ["gbfs::my-city", "gbfs::other-city"]);

    // Two shards split the filtered list without overlap or loss.
    const halves = await Promise.all(
      ["1/2", "2/2"].map((shard) => runCli(["networks", "-c", file, "--shard", shard, "--json"])),
    );
    const split = halves.flatMap((half) => JSON.parse(half.stdout).map(keyOf)).sort();
    assert.deepEqual(split, ["gbfs::my-city", "gbfs::other-city", "nextbike::my-nextbike"]);

    const plan = await runCli(["networks", "-c", file, "--match", "gbfs::my-.*", "--plan"]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /^gbfs::my-city {2}rules: \[0\] "gbfs::\.\*"\n/);
    assert.match(plan.stdout, /interval +300 s +rules\[0\]/);
    assert.doesNotMatch(plan.stdout, /other-city|nextbike/);
  });
});

Deno.test("spoke networks refuses an unknown class or a bad --match with exit 2 and one line", async () => {
  const cls = await runCli(["networks", "--class", "bogus"]);
  assert.equal(cls.code, 2);
  assert.equal(cls.stdout, "");
  assert.equal(
    cls.stderr.trim(),
    'flag --class: unknown class "bogus"; the classes are gbfs, nextbike',
  );

  const match = await runCli(["networks", "--match", "a)|(?:b"]);
  assert.equal(match.code, 2);
  assert.equal(match.stdout, "");
  assert.match(
    match.stderr.trim(),
    /^flag --match: not a regular expression, got "a\)\|\(\?:b" \(/,
  );

  const flag = await runCli(["networks", "--class"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /--class/);
});

Deno.test("spoke networks marks an each_city entry: its cities are found at run time", async () => {
  await withConfig(
    `[catalog]
builtin = false
[[networks]]
class = "nextbike"
tag = "nextbike-mr"
name = "metropolradruhr"
url = "https://maps.nextbike.net/maps/nextbike-live.json?domains=mr"
each_city = true
`,
    async (file) => {
      const { code, stdout, stderr } = await runCli(["networks", "--config", file]);
      assert.equal(code, 0, stderr);
      assert.match(
        stdout,
        /^nextbike::nextbike-mr +every 60s +https:\/\/maps\.nextbike\.net\/\S+ {2}\(each city: <tag>-<city>\)\n$/,
      );
    },
  );
});
