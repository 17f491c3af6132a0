import assert from "node:assert/strict";
import { defaultConfig, isIncluded, parseConfigText } from "../../src/config/mod.ts";

Deno.test("isIncluded() keeps everything with the default catalog section", () => {
  const config = defaultConfig();
  assert.ok(isIncluded(config, "gbfs", "citi-bike-nyc"));
  assert.ok(isIncluded(config, "nextbike", "nextbike-leipzig"));
});

Deno.test("isIncluded() needs an include match and no exclude match", () => {
  const catalog = {
    include: ["gbfs::.*", "nextbike::nextbike-leipzig"],
    exclude: ["gbfs::test-.*"],
  };
  const config = parseConfigText(JSON.stringify({ catalog }), "filter.json");
  assert.ok(isIncluded(config, "gbfs", "citi-bike-nyc"));
  assert.ok(!isIncluded(config, "gbfs", "test-city"));
  assert.ok(isIncluded(config, "nextbike", "nextbike-leipzig"));
  assert.ok(!isIncluded(config, "nextbike", "nextbike-berlin"));
});

Deno.test("isIncluded() keeps nothing with an empty include list", () => {
  const config = parseConfigText("[catalog]\ninclude = []\n", "filter.toml");
  assert.ok(!isIncluded(config, "gbfs", "citi-bike-nyc"));
});
