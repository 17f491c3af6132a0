import assert from "node:assert/strict";
import { builtinNetworks } from "../../src/catalog/mod.ts";
import { scrapeGbfs, scrapeNextbike } from "../../src/scrape/mod.ts";
import { testContext } from "../scrape/_assertions.ts";
import { startFeedServer } from "../scrape/_feed_server.ts";
import { fixtureJson, rawStations } from "../scrape/_fixtures.ts";
import { XML_SET, xmlCities } from "../scrape/_nextbike_raw.ts";

// The built-in catalog has no coordinates (systems.csv has none): what is
// published must still be a complete location, city and country from the
// catalog, coordinates from the feed.

Deno.test("a built-in GBFS network publishes its catalog city with the stations' centroid", async () => {
  await using server = startFeedServer();
  const builtin = builtinNetworks().find((n) => n.class === "gbfs")!;
  assert.equal(builtin.location?.latitude, undefined);
  const set = "gbfs-v2.3-divvy-chicago";
  const network = await scrapeGbfs({ ...builtin, url: server.url(set) }, testContext());

  const info = rawStations(await fixtureJson(set, "station_information.json"));
  const statusIds = new Set(
    rawStations(await fixtureJson(set, "station_status.json")).map((s) => s.station_id),
  );
  const joined = info.filter((s) => statusIds.has(s.station_id));
  const mean = (field: string) =>
    joined.reduce((sum, s) => sum + (s[field] as number), 0) / joined.length;
  assert.deepEqual(network.location, {
    city: builtin.location!.city,
    country: builtin.location!.country,
    latitude: mean("lat"),
    longitude: mean("lon"),
  });
});

Deno.test("every built-in Nextbike city is in the recorded live feed and gets its coordinates", async () => {
  await using server = startFeedServer();
  const url = server.url(XML_SET, "nextbike-live.xml");
  const raw = await xmlCities();
  const builtin = builtinNetworks().filter((n) => n.class === "nextbike");
  assert.ok(builtin.length > 0);
  for (const spec of builtin) {
    const city = raw.find((c) => Number(c.attributes.uid) === spec.city_uid);
    assert.ok(city !== undefined, `${spec.tag}: city uid ${spec.city_uid} not in the recording`);
    assert.equal(spec.location?.country, city.country);
    const network = await scrapeNextbike({ ...spec, url }, testContext());
    assert.equal(network.name, spec.name);
    assert.deepEqual(network.location, {
      city: spec.location!.city,
      country: spec.location!.country,
      latitude: Number(city.attributes.lat),
      longitude: Number(city.attributes.lng),
    });
  }
});

Deno.test("a spec's own coordinates win over the feed's", async () => {
  await using server = startFeedServer();
  const spec = builtinNetworks().find((n) => n.class === "nextbike")!;
  const location = { ...spec.location!, latitude: 1.5, longitude: 2.5 };
  const network = await scrapeNextbike(
    { ...spec, url: server.url(XML_SET, "nextbike-live.xml"), location },
    testContext(),
  );
  assert.deepEqual(network.location, location);
});
