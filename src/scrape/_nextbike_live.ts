import { fetchDocument, type FetchedDocument } from "./http.ts";
import type { ScrapeContext } from "./scraper.ts";
import { parseFeed } from "./_parse_feed.ts";
import type { XmlElement } from "./_xml.ts";
import { type NextbikeLive, nextbikeLive, xmlToLive } from "./_nextbike_schemas.ts";

/**
 * Seconds a domain feed is shared between the cities that ask for it: shorter
 * than any sensible interval, long enough for every city of a domain
 * scheduled in the same minute.
 */
export const NEXTBIKE_SHARE_S = 30;

// A shared document is validated once, not once per city.
const validated = new WeakMap<object, NextbikeLive>();

/**
 * One domain's live feed (JSON, or XML when the path ends in `.xml`), read
 * through the cache shared by the domain's cities and checked once.
 * @throws {FeedError} when it cannot be fetched or is not a live feed.
 */
export async function fetchLive(
  url: string,
  ctx: ScrapeContext,
  consumer?: string,
): Promise<{ fetched: FetchedDocument; live: NextbikeLive }> {
  const xml = new URL(url).pathname.endsWith(".xml");
  const fetched = await fetchDocument(url, ctx, {
    as: xml ? "xml" : "json",
    freshness: NEXTBIKE_SHARE_S,
    ...(consumer === undefined ? {} : { consumer }),
  });
  const key = fetched.document as object;
  let live = validated.get(key);
  if (live === undefined) {
    live = parseFeed(
      nextbikeLive,
      xml ? xmlToLive(fetched.document as XmlElement) : fetched.document,
      url,
    );
    validated.set(key, live);
  }
  return { fetched, live };
}
