import assert from "node:assert/strict";
import { FeedCache, type NetworkSpec, scrapeNextbike, type Vehicle } from "../../src/scrape/mod.ts";
import { testContext } from "./_assertions.ts";
import { startFeedServer } from "./_feed_server.ts";
import { fixtureJson, type Raw } from "./_fixtures.ts";
import { bikesAt, JSON_SET, jsonCountries, XML_SET, xmlCities } from "./_nextbike_raw.ts";

function city(tag: string, url: string, uid?: number): NetworkSpec {
  return {
    class: "nextbike",
    tag,
    name: "",
    url,
    ...(uid === undefined ? {} : { "city_uid": uid }),
  };
}

Deno.test("scrapeNextbike() reads every city of the live XML, place by place", async () => {
  await using server = startFeedServer();
  const url = `${server.url(XML_SET, "nextbike-live.xml")}?domains=de,mr,kg`;
  const cities = await xmlCities();
  assert.equal(cities.length, 5);
  for (const raw of cities) {
    const uid = Number(raw.attributes.uid);
    const network = await scrapeNextbike(
      city(`nextbike-${raw.attributes.alias || uid}`, url, uid),
      testContext(),
    );
    assert.equal(network.name, raw.attributes.name);
    assert.deepEqual(network.location, {
      city: raw.attributes.name,
      country: raw.country,
      latitude: Number(raw.attributes.lat),
      longitude: Number(raw.attributes.lng),
    });
    const spots = raw.places.filter((p) => p.attributes.spot === "1");
    const loose = raw.places.filter((p) => p.attributes.spot !== "1");
    assert.deepEqual(network.stations.map((s) => s.id), spots.map((p) => p.attributes.uid));
    for (const place of spots) {
      const a = place.attributes;
      const station = network.stations.find((s) => s.id === a.uid)!;
      const where = `${raw.attributes.name} place ${a.uid}`;
      const types = a.bike_types === undefined ? undefined : JSON.parse(a.bike_types);
      assert.equal(station.name, a.name, where);
      assert.equal(station.latitude, Number(a.lat), where);
      assert.equal(station.longitude, Number(a.lng), where);
      assert.equal(station.free_bikes, bikesAt(types, a.bikes), where);
      // `bikes` is capped (the country says capped_available_bikes="1"; Leipzig's
      // place 1727 has bikes="5" and bike_types summing to 8): never fewer than it.
      assert.ok(station.free_bikes >= Number(a.bikes), where);
      const racks = Number(a.bike_racks ?? 0);
      assert.equal(station.empty_slots, racks > 0 ? Number(a.free_racks) : null, where);
      assert.equal(station.extra.uid, a.uid, where);
      assert.equal(station.extra.slots, racks > 0 ? racks : undefined, where);
      assert.deepEqual(station.extra.bike_types, types, where);
      assert.deepEqual(
        station.extra.bike_uids,
        place.bikes.length > 0 ? place.bikes.map((b) => b.number) : undefined,
        where,
      );
    }
    const bikes = loose.flatMap((p) => p.bikes);
    assert.equal(network.vehicles?.length, bikes.length, raw.attributes.name!);
    for (const place of loose) {
      for (const bike of place.bikes) {
        const vehicle: Vehicle = network.vehicles!.find((item) => item.id === bike.number)!;
        assert.equal(vehicle.latitude, Number(place.attributes.lat));
        assert.equal(vehicle.longitude, Number(place.attributes.lng));
        assert.equal(vehicle.extra.online, bike.active === "1");
      }
    }
  }
});

Deno.test("scrapeNextbike() reads the live JSON the same way, racks and all", async () => {
  await using server = startFeedServer();
  const url = `${server.url(JSON_SET, "nextbike-live.json")}?domains=de`;
  for (const country of await jsonCountries()) {
    for (const raw of country.cities as Raw[]) {
      const network = await scrapeNextbike(
        city(`nextbike-${raw.alias}`, url, raw.uid as number),
        testContext(),
      );
      const places = raw.places as Raw[];
      const spots = places.filter((p) => p.spot === true);
      assert.equal(network.stations.length, spots.length);
      assert.equal(network.location.country, country.country);
      for (const place of spots) {
        const station = network.stations.find((s) => s.id === String(place.uid))!;
        const racks = place.bike_racks as number;
        const types = place.bike_types as Record<string, number>;
        assert.equal(station.free_bikes, bikesAt(types, place.bikes));
        assert.equal(station.empty_slots, racks > 0 ? place.free_racks : null);
        assert.equal(station.extra.slots, racks > 0 ? racks : undefined);
        assert.equal(station.extra.number, String(place.number));
      }
      assert.ok(spots.some((p) => (p.bike_racks as number) > 0), "some racks are known");
      const bikes = places.filter((p) => p.spot !== true)
        .flatMap((p) => p.bike_list as Raw[]);
      assert.deepEqual(network.vehicles?.map((v) => v.id), bikes.map((b) => b.number));
    }
  }
});

Deno.test("scrapeNextbike() without city_uid makes one network of every city of the feed", async () => {
  await using server = startFeedServer();
  const countries = await jsonCountries();
  const network = await scrapeNextbike(
    city("nextbike-de", server.url(JSON_SET, "nextbike-live.json")),
    testContext(),
  );
  const places = countries.flatMap((c) => c.cities as Raw[]).flatMap((c) => c.places as Raw[]);
  assert.equal(network.stations.length, places.filter((p) => p.spot === true).length);
});

Deno.test("scrapeNextbike() fetches a domain feed once for all its cities (shared cache, in-flight de-dup)", async () => {
  await using server = startFeedServer();
  const url = `${server.url(XML_SET, "nextbike-live.xml")}?domains=de,mr,kg`;
  const cities = await xmlCities();
  const cache = new FeedCache();
  const ctx = testContext({ cache });
  // At the same time (one request in flight), then one by one (the cached copy, still fresh).
  const together = await Promise.all(
    cities.map((raw) =>
      scrapeNextbike(city(`c${raw.attributes.uid}`, url, Number(raw.attributes.uid)), ctx)
    ),
  );
  assert.equal(together.length, cities.length);
  const again = await scrapeNextbike(city("leipzig-too", url, 1), ctx);
  assert.ok(again.stations.length > 0);
  assert.equal(server.requests.length, 1);
});

Deno.test("scrapeNextbike() counts '5+' as 5 and says the count is approximate", async () => {
  const document = await fixtureJson(JSON_SET, "nextbike-live.json");
  const place = ((document.countries as Raw[])[0]!.cities as Raw[])[0]!.places as Raw[];
  place[0]!.bike_types = { "4": "5+", "15": 1 };
  await using server = startFeedServer({
    overrides: { [`${JSON_SET}/nextbike-live.json`]: { json: document } },
  });
  const network = await scrapeNextbike(
    city("leipzig", server.url(JSON_SET, "nextbike-live.json"), 1),
    testContext(),
  );
  const station = network.stations.find((s) => s.id === String(place[0]!.uid))!;
  assert.equal(station.free_bikes, 6);
  assert.equal(station.extra.bikes_approximate, true);
});
