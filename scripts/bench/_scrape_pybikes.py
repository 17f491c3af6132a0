"""pybikes' side of the scrape benchmark (see scrape.ts), its own process.

Drives pybikes.gbfs.Gbfs(tag, {"name": ...}, url).update(PyBikesScraper())
as the issue asks and prints one JSON line like _scrape_spoke.ts:

- e2e: a fresh PyBikesScraper per round, so every document goes over HTTP;
- parse: one PyBikesScraper with a cachedict filled by the warm-up, so the
  responses come from memory (pybikes' own cache): decoding, json.loads and
  normalisation only.
"""
import json
import resource
import sys
import time

import pybikes.gbfs
import pybikes.utils


def main():
    mode, url, rounds, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    cache = {} if mode == "parse" else None

    def scraper():
        return pybikes.utils.PyBikesScraper(cachedict=cache)

    stations = 0
    for _ in range(warmup):
        system = pybikes.gbfs.Gbfs("bench", {"name": "Bench"}, url)
        system.update(scraper())
        stations = len(system.stations)
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    for _ in range(rounds):
        pybikes.gbfs.Gbfs("bench", {"name": "Bench"}, url).update(scraper())
    print(json.dumps({
        "side": "pybikes",
        "mode": mode,
        "rounds": rounds,
        "stations": stations,
        "cpuS": time.process_time() - cpu0,
        "wallS": time.perf_counter() - wall0,
        # Linux: kilobytes.
        "peakRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))


main()
