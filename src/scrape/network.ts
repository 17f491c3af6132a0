/**
 * The data contracts of scraping: what a scraper is asked to fetch
 * ({@link NetworkSpec}) and what it returns ({@link Network}, the CityBikes v2
 * network object that is published on MQTT and served over HTTP).
 */

/** Where a network is, as CityBikes reports it. */
export interface NetworkLocation {
  city: string;
  country: string;
  latitude: number;
  longitude: number;
}

/** One network to scrape: a catalog entry or a `[[networks]]` entry of the config. */
export interface NetworkSpec {
  /** System class, lower-case: `gbfs`, `nextbike`, … */
  class: string;
  /** Stable, unique, lower-case slug. */
  tag: string;
  name: string;
  /** The entry point of the feed (for GBFS: `gbfs.json`). */
  url: string;
  /**
   * Coordinates left out (the built-in catalog has none) are taken from the
   * feed: the middle of the stations, or the Nextbike city's own.
   */
  location?: Omit<NetworkLocation, "latitude" | "longitude"> & Partial<NetworkLocation>;
  company?: string[];
  /**
   * Nextbike: the city (`<city uid>`) of the domain feed `url` this network
   * is; absent, all the cities of the feed together make one network.
   */
  "city_uid"?: number;
  /**
   * Nextbike: this entry stands for one network per city of its feed, found
   * at run time (`<tag>-<city>`); it is never scraped itself.
   */
  "each_city"?: boolean;
}

/** A station as CityBikes v2 reports it. */
export interface Station {
  /** The feed's own station id, stable across runs. */
  id: string;
  name: string;
  latitude: number;
  longitude: number;
  "free_bikes": number;
  "empty_slots": number | null;
  /** ISO 8601, UTC: when the feed last reported this station. */
  timestamp: string;
  extra: Record<string, unknown>;
}

/** A free-floating vehicle (GBFS `free_bike_status` / `vehicle_status`, Nextbike loose bikes). */
export interface Vehicle {
  id: string;
  latitude: number;
  longitude: number;
  timestamp: string;
  extra: Record<string, unknown>;
}

/** The CityBikes v2 network object: the MQTT payload and the HTTP body. */
export interface Network {
  id: string;
  tag: string;
  name: string;
  href: string;
  location: NetworkLocation;
  company: string[];
  stations: Station[];
  vehicles?: Vehicle[];
}
