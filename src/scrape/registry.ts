/**
 * Which scraper reads which system class. The one place to add a class: the
 * scheduler and the config name classes by string and ask here.
 */
import { scrapeGbfs } from "./gbfs.ts";
import { scrapeNextbike } from "./nextbike.ts";
import type { Scraper } from "./scraper.ts";

export type { ScrapeContext, Scraper } from "./scraper.ts";

const scrapers: ReadonlyMap<string, Scraper> = new Map<string, Scraper>([
  ["gbfs", scrapeGbfs],
  ["nextbike", scrapeNextbike],
]);

/** The scraper of a system class (`gbfs`, …), or undefined when Spoke has none. */
export function scraperFor(cls: string): Scraper | undefined {
  return scrapers.get(cls);
}

/** Every class Spoke can scrape, sorted. */
export function scraperClasses(): string[] {
  return [...scrapers.keys()].sort();
}
