import assert from "node:assert/strict";
import { scrapeGbfs, scrapeNextbike, scraperClasses, scraperFor } from "../../src/scrape/mod.ts";

Deno.test("scraperClasses() lists gbfs and nextbike", () => {
  assert.deepEqual(scraperClasses(), ["gbfs", "nextbike"]);
});

Deno.test("scraperFor() returns the Nextbike scraper for nextbike", () => {
  assert.equal(scraperFor("nextbike"), scrapeNextbike);
});

Deno.test("scraperFor() returns the GBFS scraper for gbfs", () => {
  assert.equal(scraperFor("gbfs"), scrapeGbfs);
});

Deno.test("scraperFor() returns undefined for a class Spoke cannot scrape", () => {
  assert.equal(scraperFor("citybikes"), undefined);
  assert.equal(scraperFor("GBFS"), undefined);
  assert.equal(scraperFor(""), undefined);
  // Not a way into Object.prototype.
  assert.equal(scraperFor("constructor"), undefined);
});

Deno.test("scraperFor() answers for every class scraperClasses() lists", () => {
  for (const cls of scraperClasses()) assert.equal(typeof scraperFor(cls), "function", cls);
});
