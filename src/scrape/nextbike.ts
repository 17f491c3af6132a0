/**
 * The Nextbike scraper (class `nextbike`): one live feed per domain, JSON
 * (`maps/nextbike-live.json?domains=le`) or XML (`nextbike-live.xml`), read
 * once and shared by every city of the domain (the {@link FeedCache} keeps it
 * a short while and runs one request per URL); each city (`city_uid`) is one
 * network. Places that are stations (`spot`) become stations; the others are
 * bikes parked anywhere and become the network's vehicles.
 */
import { FeedError } from "./feed_error.ts";
import { fetchLive } from "./_nextbike_live.ts";
import type { Network, NetworkSpec, Station, Vehicle } from "./network.ts";
import { NotModified } from "./not_modified.ts";
import type { ScrapeContext } from "./scraper.ts";
import type { NextbikeCity, NextbikePlace } from "./_nextbike_schemas.ts";

export { NEXTBIKE_SHARE_S } from "./_nextbike_live.ts";

/** place_type of a station without racks (pybikes' reading). */
const VIRTUAL_PLACE_TYPE = "17";

/**
 * Scrapes one Nextbike city. Rejects with a {@link FeedError} when the feed
 * cannot be fetched or read, when `city_uid` is not in it, or when the city
 * has no place; with {@link NotModified} (only with `ctx.cache`) when the
 * shared feed has not changed since this city's last scrape.
 */
export async function scrapeNextbike(spec: NetworkSpec, ctx: ScrapeContext): Promise<Network> {
  const consumer = `${spec.class}::${spec.tag}`;
  const { fetched, live } = await fetchLive(spec.url, ctx, consumer);
  if (!fetched.changed) throw new NotModified(consumer);

  const cities = live.countries.flatMap((country) =>
    country.cities.map((city) => ({ city, country: country.country ?? "" }))
  );
  const chosen = spec.city_uid === undefined
    ? cities
    : cities.filter(({ city }) => city.uid === String(spec.city_uid));
  if (chosen.length === 0) {
    const known = cities.map(({ city }) => city.uid).join(", ") || "none";
    throw new FeedError(
      spec.url,
      spec.city_uid === undefined
        ? "the feed lists no city"
        : `city uid ${spec.city_uid} is not in the feed (cities: ${known})`,
    );
  }
  const now = new Date().toISOString();
  const stations: Station[] = [];
  const vehicles: Vehicle[] = [];
  for (const { city } of chosen) {
    for (const place of city.places) {
      if (place.spot === true) stations.push(toStation(place, now));
      else vehicles.push(...toVehicles(place, now));
    }
  }
  if (stations.length === 0 && vehicles.length === 0) {
    throw new FeedError(spec.url, `empty network: city ${cityNames(chosen)} lists no place`);
  }
  const first = chosen[0]!;
  fetched.seen();
  return {
    id: spec.tag,
    tag: spec.tag,
    name: spec.name || first.city.name,
    href: `/v2/networks/${spec.tag}`,
    location: {
      city: first.city.name,
      country: first.country,
      latitude: first.city.lat,
      longitude: first.city.lng,
      ...spec.location,
    },
    company: spec.company ?? ["Nextbike GmbH"],
    stations,
    vehicles,
  };
}

function cityNames(chosen: readonly { city: NextbikeCity }[]): string {
  return chosen.map(({ city }) => `${city.name} (uid ${city.uid})`).join(", ");
}

function toStation(place: NextbikePlace, now: string): Station {
  const extra: Record<string, unknown> = {
    uid: place.uid,
    virtual: place.place_type === VIRTUAL_PLACE_TYPE,
  };
  if (place.number != null) extra.number = place.number;
  // bike_types is the finer count (the plain `bikes` is capped at "5+" more
  // often); it counts the same bikes, so one of the two, never both.
  let bikes: number;
  let approximate = false;
  const types = place.bike_types;
  if (types != null && Object.keys(types).length > 0) {
    bikes = 0;
    const counts: Record<string, number> = {};
    for (const [type, { count, approximate: capped }] of Object.entries(types)) {
      bikes += count;
      counts[type] = count;
      approximate ||= capped;
    }
    extra.bike_types = counts;
  } else if (place.bikes != null) {
    bikes = place.bikes.count;
    approximate = place.bikes.approximate;
  } else bikes = place.bike_list?.length ?? 0;
  if (approximate) extra.bikes_approximate = true;

  // Nextbike writes 0 racks for "unknown": only a positive count says how many docks there are.
  let emptySlots: number | null = null;
  const racks = place.bike_racks;
  if (racks != null && racks > 0) {
    extra.slots = racks;
    emptySlots = place.free_racks ?? Math.max(0, racks - bikes);
  }
  const uids = bikeUids(place);
  if (uids.length > 0) extra.bike_uids = uids;
  return {
    id: place.uid,
    name: place.name,
    latitude: place.lat,
    longitude: place.lng,
    "free_bikes": bikes,
    "empty_slots": emptySlots,
    timestamp: now,
    extra,
  };
}

function bikeUids(place: NextbikePlace): string[] {
  if (place.bike_list != null && place.bike_list.length > 0) {
    return place.bike_list.map((bike) => bike.number);
  }
  return place.bike_numbers ?? [];
}

/** One vehicle per bike parked at a place that is not a station; the place's uid when none is listed. */
function toVehicles(place: NextbikePlace, now: string): Vehicle[] {
  const listed = place.bike_list ?? [];
  const numbers = listed.length > 0
    ? listed.map((bike) => ({
      uid: bike.number,
      online: bike.active ?? true,
      type: bike.bike_type,
    }))
    : (place.bike_numbers ?? []).map((uid) => ({ uid, online: true, type: undefined }));
  const bikes = numbers.length > 0
    ? numbers
    : [{ uid: `place-${place.uid}`, online: true, type: undefined }];
  return bikes.map((bike) => {
    const extra: Record<string, unknown> = { uid: bike.uid, online: bike.online, place: place.uid };
    if (bike.type != null) extra.bike_type = bike.type;
    return { id: bike.uid, latitude: place.lat, longitude: place.lng, timestamp: now, extra };
  });
}
