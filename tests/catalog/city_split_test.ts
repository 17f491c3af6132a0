import assert from "node:assert/strict";
import { networksOfCities, slugify } from "../../src/catalog/mod.ts";
import type { NetworkSpec, NextbikeCityInfo } from "../../src/scrape/mod.ts";

const parent: NetworkSpec = {
  class: "nextbike",
  tag: "nextbike-mr",
  name: "nextbike Ruhr",
  url: "https://maps.nextbike.net/maps/nextbike-live.json?domains=mr",
  company: ["Nextbike GmbH", "metropolradruhr"],
  location: { city: "Ruhr", country: "DE" },
  "each_city": true,
};

function city(uid: number, name: string, alias?: string): NextbikeCityInfo {
  return {
    uid,
    name,
    ...(alias === undefined ? {} : { alias }),
    country: "DE",
    latitude: 51 + uid / 1000,
    longitude: 7,
  };
}

Deno.test("networksOfCities() makes one network per city: <tag>-<alias or name>, its uid and place", () => {
  const networks = networksOfCities(parent, [city(129, "Dortmund", "dortmund"), city(14, "Köln")]);
  assert.deepEqual(networks, [
    {
      class: "nextbike",
      tag: "nextbike-mr-dortmund",
      name: "nextbike Ruhr Dortmund",
      url: parent.url,
      company: parent.company,
      location: { city: "Dortmund", country: "DE", latitude: 51.129, longitude: 7 },
      "city_uid": 129,
    },
    {
      class: "nextbike",
      tag: "nextbike-mr-koln",
      name: "nextbike Ruhr Köln",
      url: parent.url,
      company: parent.company,
      location: { city: "Köln", country: "DE", latitude: 51.014, longitude: 7 },
      "city_uid": 14,
    },
  ]);
  // Every tag is a valid tag: what a rule's `match` and the topic see.
  for (const network of networks) assert.match(network.tag, /^[a-z0-9][a-z0-9-]*$/);
});

Deno.test("networksOfCities() keeps tags unique: a shared name takes the uid, an unsluggable one is the uid", () => {
  const tags = networksOfCities(parent, [
    city(1, "Springfield"),
    city(2, "Springfield"),
    city(3, "東京"),
    city(4, "Bochum", "  "),
    // Listed twice (a feed of two domains): one network.
    city(4, "Bochum"),
  ]).map((network) => network.tag);
  assert.deepEqual(tags, [
    "nextbike-mr-springfield-1",
    "nextbike-mr-springfield-2",
    "nextbike-mr-3",
    "nextbike-mr-bochum",
  ]);
  assert.equal(new Set(tags).size, tags.length);
});

Deno.test("networksOfCities() of an unnamed entry uses the city's name, and of no city gives none", () => {
  const [only] = networksOfCities({ ...parent, name: "" }, [city(7, "Wiesbaden", "")]);
  assert.equal(only?.name, "Wiesbaden");
  assert.equal(only?.tag, "nextbike-mr-wiesbaden");
  assert.equal(only?.each_city, undefined);
  assert.deepEqual(networksOfCities(parent, []), []);
});

Deno.test("slugify() folds accents and letters NFKD keeps whole", () => {
  assert.equal(slugify("Köln"), "koln");
  assert.equal(slugify("Bodø / Łódź"), "bodo-lodz");
  assert.equal(slugify("  --  "), "");
});
