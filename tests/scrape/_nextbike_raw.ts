/**
 * The recorded Nextbike feeds read the plainest way, independent of the code
 * under test: the JSON parsed, the XML cut with regular expressions (its
 * elements are flat attribute lists, one per tag).
 */
import { fixtureJson, type Raw } from "./_fixtures.ts";

export const XML_SET = "nextbike-live-xml-2017";
export const JSON_SET = "nextbike-live-json";

export interface RawPlace {
  attributes: Record<string, string>;
  bikes: Record<string, string>[];
}

export interface RawCity {
  domain: string;
  country: string;
  attributes: Record<string, string>;
  places: RawPlace[];
}

function attributesOf(tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [, name, value] of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) {
    attributes[name!] = value!.replaceAll("&quot;", '"').replaceAll("&lt;", "<")
      .replaceAll("&gt;", ">").replaceAll("&apos;", "'").replaceAll("&amp;", "&");
  }
  return attributes;
}

/** Every city of the XML fixture with its places and their bikes. */
export async function xmlCities(): Promise<RawCity[]> {
  const text = await Deno.readTextFile(
    new URL(`../fixtures/${XML_SET}/nextbike-live.xml`, import.meta.url),
  );
  const cities: RawCity[] = [];
  let country: Record<string, string> = {};
  for (const [tag, name] of text.matchAll(/<(country|city|place|bike)\b[^>]*>/g)) {
    const attributes = attributesOf(tag);
    if (name === "country") country = attributes;
    else if (name === "city") {
      cities.push({
        domain: country.domain!,
        country: country.country!,
        attributes,
        places: [],
      });
    } else if (name === "place") cities.at(-1)!.places.push({ attributes, bikes: [] });
    else cities.at(-1)!.places.at(-1)!.bikes.push(attributes);
  }
  return cities;
}

/** The JSON fixture's `countries`. */
export async function jsonCountries(): Promise<Raw[]> {
  return (await fixtureJson(JSON_SET, "nextbike-live.json")).countries as Raw[];
}

/** Bikes at a place the way Nextbike counts them: the bike_types sum, else `bikes`. */
export function bikesAt(
  types: Record<string, number | string> | undefined,
  bikes: unknown,
): number {
  const counts = Object.values(types ?? {});
  if (counts.length > 0) {
    return counts.reduce<number>((sum, n) => sum + Number.parseInt(String(n)), 0);
  }
  return Number.parseInt(String(bikes ?? 0));
}
