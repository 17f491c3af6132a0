/**
 * valibot schema of Nextbike's live feed, one for both spellings: the JSON
 * (`nextbike-live.json`: numbers, booleans, lists) and the XML
 * (`nextbike-live.xml`: every attribute a string, `bike_types` a JSON string,
 * `bike_numbers` comma-separated, bikes as `<bike>` children) once it is
 * turned into the same tree by {@link xmlToLive}. The output is one shape.
 */
import * as v from "valibot";
import type { XmlElement } from "./_xml.ts";

const NUMBER = "must be a number";
const COUNT = 'must be a count (a whole number, "5+" for at least 5)';

/** A number, or its decimal spelling (XML). */
const number = v.union([
  v.number(NUMBER),
  v.pipe(
    v.string(),
    v.regex(/^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/, NUMBER),
    v.transform(Number),
  ),
]);

/** A count, or Nextbike's capped "5+" (at least 5). */
const count = v.pipe(
  v.union([
    v.pipe(v.number(COUNT), v.integer(COUNT), v.minValue(0, COUNT)),
    v.pipe(v.string(), v.regex(/^\s*\d+\+?\s*$/, COUNT)),
  ]),
  v.transform((value) =>
    typeof value === "number"
      ? { count: value, approximate: false }
      : { count: Number.parseInt(value, 10), approximate: value.trim().endsWith("+") }
  ),
);

const FLAG = 'must be true, false, 1 or 0 (or "1", "0")';
const flagValues: readonly unknown[] = [true, false, 0, 1, "0", "1"];
const flag = v.pipe(
  v.unknown(),
  v.check((value) => flagValues.includes(value), FLAG),
  v.transform((value) => value === true || value === 1 || value === "1"),
);

const id = v.pipe(v.union([v.string(), v.number()]), v.transform((x) => String(x)));

const TYPES = "must be a JSON object of counts";

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** `{"4": 2, "15": "5+"}`, or that object as a JSON string (XML). */
const bikeTypes = v.pipe(
  v.unknown(),
  v.check((value) => typeof value !== "string" || isJsonObject(value), TYPES),
  v.transform((value): unknown => typeof value === "string" ? JSON.parse(value) : value),
  v.record(v.string(), count, TYPES),
);

const bikeNumbers = v.pipe(
  v.union([
    v.array(id),
    v.pipe(v.string(), v.transform((s) => s.split(",").map((n) => n.trim()).filter(Boolean))),
  ]),
);

const bike = v.looseObject({
  number: id,
  "bike_type": v.nullish(id),
  active: v.nullish(flag),
  state: v.nullish(v.string()),
});

const place = v.looseObject({
  uid: id,
  lat: number,
  lng: number,
  name: v.string(),
  spot: v.nullish(flag),
  bike: v.nullish(flag),
  number: v.nullish(id),
  bikes: v.nullish(count),
  "bike_racks": v.nullish(number),
  "free_racks": v.nullish(number),
  "bike_types": v.nullish(bikeTypes),
  "bike_numbers": v.nullish(bikeNumbers),
  "place_type": v.nullish(id),
  "bike_list": v.nullish(v.array(bike)),
});

const city = v.looseObject({
  uid: id,
  name: v.string(),
  lat: number,
  lng: number,
  places: v.array(place),
});

/** The whole live document of one or more domains. */
export const nextbikeLive = v.looseObject({
  countries: v.array(v.looseObject({
    domain: v.string(),
    country: v.nullish(v.string()),
    name: v.nullish(v.string()),
    cities: v.array(city),
  })),
});

export type NextbikeLive = v.InferOutput<typeof nextbikeLive>;
export type NextbikeCity = NextbikeLive["countries"][number]["cities"][number];
export type NextbikePlace = NextbikeCity["places"][number];

/**
 * The XML tree in the JSON shape: `<markers><country><city><place><bike>` →
 * `countries[].cities[].places[].bike_list[]`, attributes as fields. Other
 * elements are left out; a root that is not `<markers>` gives no countries.
 */
export function xmlToLive(root: XmlElement): unknown {
  if (root.name !== "markers") return { root: root.name };
  const childrenNamed = (element: XmlElement, name: string) =>
    element.children.filter((child) => child.name === name);
  return {
    countries: childrenNamed(root, "country").map((country) => ({
      ...country.attributes,
      cities: childrenNamed(country, "city").map((city) => ({
        ...city.attributes,
        places: childrenNamed(city, "place").map((place) => ({
          ...place.attributes,
          "bike_list": childrenNamed(place, "bike").map((bike) => ({ ...bike.attributes })),
        })),
      })),
    })),
  };
}
