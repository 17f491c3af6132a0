/**
 * The cities of a Nextbike domain feed, for a `[[networks]]` entry with
 * `each_city = true`: Spoke asks the feed which cities it has (at start, then
 * every `[scrape] discovery_ttl`) and runs each as a network of its own.
 */
import { FeedError } from "./feed_error.ts";
import type { ScrapeContext } from "./scraper.ts";
import { fetchLive } from "./_nextbike_live.ts";

/** One city as the live feed lists it. */
export interface NextbikeCityInfo {
  uid: number;
  name: string;
  /** The feed's short name of the city (`leipzig`), when it has one. */
  alias?: string;
  /** Country code of the domain (`DE`), or "". */
  country: string;
  latitude: number;
  longitude: number;
}

/**
 * Fetches the live feed at `url` (shared with the cities' own scrapes for
 * {@link NEXTBIKE_SHARE_S} through `ctx.cache`) and lists its cities.
 * @throws {FeedError} when the feed cannot be read, lists no city, or a city
 * uid is not a positive whole number (it becomes a network's `city_uid`).
 */
export async function nextbikeCities(url: string, ctx: ScrapeContext): Promise<NextbikeCityInfo[]> {
  const { live } = await fetchLive(url, ctx);
  const cities: NextbikeCityInfo[] = [];
  for (const [c, country] of live.countries.entries()) {
    for (const [i, city] of country.cities.entries()) {
      const uid = Number(city.uid);
      if (!Number.isSafeInteger(uid) || uid <= 0) {
        throw new FeedError(
          url,
          `countries[${c}].cities[${i}].uid must be a positive whole number, got ${
            JSON.stringify(city.uid)
          }`,
        );
      }
      const alias = (city as { alias?: unknown }).alias;
      cities.push({
        uid,
        name: city.name,
        ...(typeof alias === "string" && alias.trim() !== "" ? { alias: alias.trim() } : {}),
        country: country.country ?? "",
        latitude: city.lat,
        longitude: city.lng,
      });
    }
  }
  if (cities.length === 0) throw new FeedError(url, "the feed lists no city");
  return cities;
}
