import assert from "node:assert/strict";
import { FeedCache, nextbikeCities, scrapeNextbike } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { JSON_SET, jsonCountries, XML_SET, xmlCities } from "./_nextbike_raw.ts";

const LIVE_JSON = `${JSON_SET}/nextbike-live.json`;

Deno.test("nextbikeCities() lists every city of the live XML with its uid, alias, country and place", async () => {
  await using server = startFeedServer();
  const url = `${server.url(XML_SET, "nextbike-live.xml")}?domains=de,mr,kg`;
  const cities = await nextbikeCities(url, testContext());
  const raw = await xmlCities();
  assert.deepEqual(
    cities,
    raw.map((city) => ({
      uid: Number(city.attributes.uid),
      name: city.attributes.name,
      ...(city.attributes.alias ? { alias: city.attributes.alias } : {}),
      country: city.country,
      latitude: Number(city.attributes.lat),
      longitude: Number(city.attributes.lng),
    })),
  );
});

Deno.test("nextbikeCities() reads the JSON feed, and its cities' scrapes share the one request", async () => {
  await using server = startFeedServer();
  const url = server.url(JSON_SET, "nextbike-live.json");
  const cache = new FeedCache({ maxBytes: 1 << 24, maxTtlS: 300, discoveryTtlS: 3600 });
  const cities = await nextbikeCities(url, testContext({ cache }));
  const countries = await jsonCountries();
  const expected = countries.flatMap((country) =>
    (country.cities as Record<string, unknown>[]).map((city) => ({
      uid: city.uid,
      name: city.name,
      ...(city.alias ? { alias: city.alias } : {}),
      country: country.country,
      latitude: city.lat,
      longitude: city.lng,
    }))
  );
  assert.deepEqual(cities, expected);
  // Discovery, then each city's scrape: one request for all of them.
  for (const city of cities) {
    const spec = { class: "nextbike", tag: `c${city.uid}`, name: "", url, "city_uid": city.uid };
    assert.equal((await scrapeNextbike(spec, testContext({ cache }))).location.city, city.name);
  }
  assert.equal(server.requests.filter((seen) => seen.path.endsWith(LIVE_JSON)).length, 1);
});

Deno.test("nextbikeCities() refuses a feed that fails, is not a live feed, lists no city or has a bad uid", async () => {
  await using server = startFeedServer();
  const url = server.url(JSON_SET, "nextbike-live.json");
  server.overrides[LIVE_JSON] = { status: 500 };
  await rejectsFeed(nextbikeCities(url, testContext()), url, "HTTP 500");
  server.overrides[LIVE_JSON] = { body: "<html>busy</html>" };
  await rejectsFeed(nextbikeCities(url, testContext()), url, /^invalid JSON/);
  server.overrides[LIVE_JSON] = { json: { countries: "none" } };
  await rejectsFeed(nextbikeCities(url, testContext()), url, /^countries must be/);
  server.overrides[LIVE_JSON] = { json: { countries: [{ domain: "xx", cities: [] }] } };
  await rejectsFeed(nextbikeCities(url, testContext()), url, "the feed lists no city");
  const city = { name: "Nowhere", lat: 1, lng: 2, places: [] };
  for (const uid of ["abc", 0, -3, "1.5"]) {
    server.overrides[LIVE_JSON] = {
      json: { countries: [{ domain: "xx", cities: [{ ...city, uid }] }] },
    };
    await rejectsFeed(
      nextbikeCities(url, testContext()),
      url,
      `countries[0].cities[0].uid must be a positive whole number, got ${
        JSON.stringify(String(uid))
      }`,
    );
  }
});
