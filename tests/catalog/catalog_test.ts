import assert from "node:assert/strict";
import {
  builtinAttribution,
  builtinNetworks,
  networkKey,
  resolveCatalog,
} from "../../src/catalog/mod.ts";
import gbfsData from "../../config/catalog/gbfs.json" with { type: "json" };
import nextbikeData from "../../config/catalog/nextbike.json" with { type: "json" };

Deno.test("builtinNetworks() has unique lower-case slug tags and http(s) URLs", () => {
  const networks = builtinNetworks();
  assert.equal(networks.length, gbfsData.networks.length + nextbikeData.networks.length);
  assert.equal(new Set(networks.map((n) => n.tag)).size, networks.length);
  for (const network of networks) {
    assert.match(network.tag, /^[a-z0-9][a-z0-9-]*$/);
    assert.match(network.url, /^https?:\/\//);
    assert.equal(typeof network.location?.city, "string");
    assert.match(network.location?.country ?? "", /^[A-Z]{2}$/);
  }
});

Deno.test("builtinNetworks() gives each file's entries its class, Nextbike cities a city uid", () => {
  const networks = builtinNetworks();
  const ofClass = (name: string) => networks.filter((n) => n.class === name);
  assert.deepEqual(ofClass("gbfs").map((n) => n.tag), gbfsData.networks.map((n) => n.tag));
  assert.deepEqual(ofClass("nextbike").map((n) => n.tag), nextbikeData.networks.map((n) => n.tag));
  assert.equal(networks.length, ofClass("gbfs").length + ofClass("nextbike").length);
  for (const network of ofClass("nextbike")) {
    assert.ok(Number.isInteger(network.city_uid), `${network.tag} has no city uid`);
    assert.match(network.url, /nextbike-live\.(json|xml)/);
  }
});

Deno.test("builtinAttribution() keeps the source, its commit and its licence", () => {
  const attributions = builtinAttribution();
  assert.deepEqual(attributions.map((a) => a.class), ["gbfs", "nextbike"]);
  for (const attribution of attributions) {
    assert.equal(attribution.repository, "https://github.com/MobilityData/gbfs");
    assert.match(attribution.commit, /^[0-9a-f]{40}$/);
    assert.match(attribution.license, /^CC BY \d\.\d/);
    assert.ok(attribution.changes.length > 0);
  }
  assert.deepEqual(attributions[0], { class: "gbfs", ...gbfsData.attribution });
});

Deno.test("resolveCatalog() lets a user network replace a built-in one with the same tag", () => {
  const [first] = builtinNetworks();
  const mine = { ...first!, name: "Mine", url: "http://127.0.0.1:1/gbfs.json" };
  const networks = resolveCatalog({ builtin: true, networks: [mine] });
  assert.equal(networks.filter((n) => n.tag === first!.tag).length, 1);
  assert.equal(networks.find((n) => n.tag === first!.tag)?.name, "Mine");
});

Deno.test("resolveCatalog() applies anchored include and exclude filters on <class>::<tag>", () => {
  const all = builtinNetworks();
  const tag = all[0]!.tag;
  assert.deepEqual(
    resolveCatalog({ builtin: true, include: [`gbfs::${tag}`] }).map(networkKey),
    [`gbfs::${tag}`],
  );
  // Anchored: a bare fragment of a tag matches nothing.
  assert.deepEqual(resolveCatalog({ builtin: true, include: [tag.slice(1)] }), []);
  assert.equal(
    resolveCatalog({ builtin: true, exclude: [`gbfs::${tag}`] }).length,
    all.length - 1,
  );
  assert.deepEqual(resolveCatalog({ builtin: false }), []);
  assert.deepEqual(resolveCatalog({ builtin: true, include: [] }), []);
  assert.equal(resolveCatalog({ builtin: true }).length, all.length);
});
