import type { NetworkSpec, NextbikeCityInfo } from "../scrape/mod.ts";
import { slugify } from "./slug.ts";

/**
 * The networks an `each_city` entry stands for: one per city of its feed,
 * tagged `<tag>-<city>` (the feed's alias, else its name, as a slug; the uid
 * when that is empty or taken twice), named `<name> <city>`, each reading its
 * `city_uid` from the entry's URL. Same feed, same tags: a city keeps its tag
 * (and its retained topic) from one discovery to the next.
 */
export function networksOfCities(
  parent: NetworkSpec,
  listed: readonly NextbikeCityInfo[],
): NetworkSpec[] {
  // A city listed twice (a feed of several domains) is one network.
  const cities = listed.filter((city, index) =>
    listed.findIndex((c) => c.uid === city.uid) === index
  );
  const stems = cities.map((city) => slugify(city.alias ?? "") || slugify(city.name));
  const taken = new Map<string, number>();
  for (const stem of stems) taken.set(stem, (taken.get(stem) ?? 0) + 1);
  const { each_city: _each, city_uid: _uid, location: _where, ...rest } = parent;
  return cities.map((city, index) => {
    const stem = stems[index]!;
    const suffix = stem === ""
      ? `${city.uid}`
      : taken.get(stem)! > 1
      ? `${stem}-${city.uid}`
      : stem;
    return {
      ...rest,
      tag: `${parent.tag}-${suffix}`,
      name: parent.name === "" ? city.name : `${parent.name} ${city.name}`,
      location: {
        city: city.name,
        country: city.country || parent.location?.country || "",
        latitude: city.latitude,
        longitude: city.longitude,
      },
      "city_uid": city.uid,
    };
  });
}
