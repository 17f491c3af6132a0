/** A small set of API sources over a real LatestStore, shared by the api tests. */
import type { ApiSources, PauseTarget, ServiceStats } from "../../src/api/mod.ts";
import type { Network } from "../../src/scrape/mod.ts";
import { LatestStore } from "../../src/store/mod.ts";

export function station(id: string, freeBikes: number, emptySlots: number | null) {
  return {
    id,
    name: `Station ${id}`,
    latitude: 40,
    longitude: -3,
    free_bikes: freeBikes,
    empty_slots: emptySlots,
    timestamp: "2025-01-29T09:47:38Z",
    extra: {},
  };
}

export function network(tag: string, stations = [station("s1", 3, 4)]): Network {
  return {
    id: tag,
    tag,
    name: `Network ${tag}`,
    href: `/v2/networks/${tag}`,
    location: { city: "C", country: "ES", latitude: 1, longitude: 2 },
    company: ["Co"],
    stations,
  };
}

export function zeroStats(): ServiceStats {
  return {
    version: "1.2.3",
    uptimeS: 7,
    networks: 2,
    paused: 0,
    published: 5,
    scrapes: 6,
    failures: 1,
    skipped: 0,
    queues: [],
  };
}

/** A fake pipeline to pause: keys by class, the pause set, the calls seen. */
export class FakeControl {
  keys = ["gbfs::x", "gbfs::y", "nextbike::z"];
  pausedKeys = new Set<string>();
  calls: Array<[string, PauseTarget]> = [];

  matching(target: PauseTarget): string[] {
    return this.keys.filter((key) => {
      if (target.network !== undefined) {
        return key === target.network || key.split("::")[1] === target.network;
      }
      return target.class === undefined || key.startsWith(`${target.class}::`);
    });
  }
}

export function sources(overrides: Partial<ApiSources> = {}) {
  const store = new LatestStore();
  store.put("gbfs", "x", network("x"), 1_700_000_000_000, 250);
  store.fail("gbfs", "broken", "feed http://h/gbfs.json: HTTP 500", 1_700_000_000_500, 50);
  const problems: string[] = [];
  const base: ApiSources = {
    networks: () => store.all(),
    byTag: (tag) => store.byTag(tag),
    problems: () => problems,
    stats: zeroStats,
    processSample: () => ({
      rssBytes: 1000,
      heapUsedBytes: 500,
      heapTotalBytes: 800,
      externalBytes: 100,
      cpuUserSeconds: 1.5,
      cpuSystemSeconds: 0.5,
      startTimeSeconds: 1_700_000_000,
    }),
    ...overrides,
  };
  return { store, problems, sources: base };
}
