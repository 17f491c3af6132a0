import assert from "node:assert/strict";
import { builtinNetworks, networkKey, resolveCatalog } from "../../src/catalog/mod.ts";
import catalogData from "../../config/catalog/gbfs.json" with { type: "json" };

Deno.test("builtinNetworks() has unique lower-case slug tags and http(s) URLs", () => {
  const networks = builtinNetworks();
  assert.equal(networks.length, catalogData.networks.length);
  assert.equal(new Set(networks.map((n) => n.tag)).size, networks.length);
  for (const network of networks) {
    assert.match(network.tag, /^[a-z0-9][a-z0-9-]*$/);
    assert.match(network.url, /^https?:\/\//);
  }
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
