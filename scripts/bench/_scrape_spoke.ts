/**
 * Spoke's side of the scrape benchmark, its own process. Prints one JSON line:
 * rounds, stations per round, CPU seconds and wall seconds of the measured
 * rounds (after warm-up), and the peak RSS of the process.
 *
 * - `--mode e2e`: `scrapeGbfs` on `--url`, HTTP included (Spoke's HttpClient,
 *   kept alive, as `spoke run` fetches; `--fetch` for `fetch`); nothing cached, or
 *   with `--cache` one FeedCache kept across scrapes as `spoke run` does, but
 *   with no freshness (every document asked for at every scrape, as pybikes
 *   does): what it saves is reading a byte-identical body again.
 * - `--mode parse`: the same with every document already in memory (Spoke's
 *   client answers from a map, as pybikes' side answers from its cachedict): reading, validation and normalisation only. A URL
 *   whose body changes at every request (the feed server's `/live/` and
 *   `/churn/`) is fetched VARIANTS times up front and answered in turn.
 * - `--mode catalog`: one round of the whole built-in catalog, every network
 *   pointed at `--origin` (a path of its own each), `--workers` at once.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { builtinNetworks } from "../../src/catalog/mod.ts";
import {
  FeedCache,
  HttpClient,
  type HttpResponse,
  type NetworkSpec,
  type ScrapeContext,
  scrapeGbfs,
  scraperFor,
} from "../../src/scrape/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    mode: { type: "string" },
    url: { type: "string" },
    origin: { type: "string" },
    rounds: { type: "string" },
    warmup: { type: "string" },
    workers: { type: "string" },
    cache: { type: "boolean" },
    /** Fetch through `fetch`, not Spoke's HttpClient (always so in `--mode parse`). */
    fetch: { type: "boolean" },
  },
});
/** As many versions of a changing body as the feed server makes. */
const VARIANTS = 8;

function peakRssKiB(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

// As `spoke run` does: one client, kept-alive connections, for every scrape.
const http = values.fetch ? undefined : new HttpClient();

const context = (cache?: FeedCache, client = http): ScrapeContext => ({
  signal: new AbortController().signal,
  maxBytes: 64 << 20,
  userAgent: "spoke/bench",
  ...(cache ? { cache } : {}),
  ...(client ? { http: client } : {}),
});

/**
 * Spoke's client with every URL read for real once, up to VARIANTS times for a
 * body that changes at every request, and then answered from memory in turn:
 * the same bytes each time, as pybikes' cachedict answers with the same text
 * (a scraper never writes into a body: its FeedCache keeps them to compare;
 * {@link MemoryClient.checkUntouched} makes sure).
 */
class MemoryClient extends HttpClient {
  readonly #held = new Map<
    string,
    { versions: HttpResponse[]; copies: Uint8Array[]; served: number }
  >();

  /** Throws if a scrape wrote into a body it was given. */
  checkUntouched(): void {
    for (const [url, { versions, copies }] of this.#held) {
      versions.forEach(({ body }, v) => {
        const copy = copies[v]!;
        if (body.byteLength !== copy.byteLength || body.some((byte, i) => byte !== copy[i])) {
          throw new Error(`a scrape wrote into the body of ${url}`);
        }
      });
    }
  }

  override async get(
    url: URL,
    headers: readonly (readonly [string, string])[],
    signal: AbortSignal,
    maxBytes: number,
  ): Promise<HttpResponse> {
    let held = this.#held.get(url.href);
    if (held === undefined) {
      const versions: HttpResponse[] = [];
      for (let v = 0; v < VARIANTS; v++) {
        const version = await super.get(url, headers, signal, maxBytes);
        const first = versions[0]?.body;
        if (
          first !== undefined && first.byteLength === version.body.byteLength &&
          first.every((byte, i) => byte === version.body[i])
        ) break;
        versions.push(version);
      }
      held = { versions, copies: versions.map(({ body }) => body.slice()), served: 0 };
      this.#held.set(url.href, held);
    }
    return held.versions[held.served++ % held.versions.length]!;
  }
}

async function rounds(mode: "e2e" | "parse"): Promise<void> {
  const url = values.url!;
  const spec: NetworkSpec = { class: "gbfs", tag: "bench", name: "Bench", url };
  // Every document fetched for real up front, then served from memory: the client is
  // Spoke's own with its reads answered from a map (as pybikes' parse side answers
  // from its cachedict), so only reading, validation and normalisation remain.
  const client = mode === "parse" ? new MemoryClient() : http;
  // No freshness: every document is asked for at every scrape, as pybikes does.
  const cache = values.cache
    ? new FeedCache({ maxBytes: 32 << 20, maxTtlS: 0, discoveryTtlS: 0 })
    : undefined;
  let stations = 0;
  for (let i = 0; i < Number(values.warmup ?? 3); i++) {
    stations = (await scrapeGbfs(spec, context(cache, client))).stations.length;
  }
  const count = Number(values.rounds ?? 20);
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  for (let i = 0; i < count; i++) await scrapeGbfs(spec, context(cache, client));
  if (client instanceof MemoryClient) client.checkUntouched();
  if (client !== http) client?.close();
  console.log(JSON.stringify({
    side: "spoke",
    mode,
    cache: cache?.stats(),
    rounds: count,
    stations,
    cpuS: cpuSeconds() - cpu0,
    wallS: (performance.now() - wall0) / 1000,
    peakRssKiB: peakRssKiB(),
  }));
}

async function catalogRound(): Promise<void> {
  const origin = values.origin!;
  const specs = builtinNetworks().map((spec): NetworkSpec =>
    spec.class === "nextbike"
      ? { ...spec, url: `${origin}/nextbike/${new URL(spec.url).searchParams.get("domains")}.xml` }
      : { ...spec, url: `${origin}/n/${spec.tag}/gbfs.json` }
  );
  // As `spoke run` does: one cache shared by every task (a Nextbike domain is fetched once).
  const cache = new FeedCache({ maxBytes: 32 << 20, maxTtlS: 300, discoveryTtlS: 3600 });
  let next = 0;
  let ok = 0;
  let stations = 0;
  const failures: string[] = [];
  const cpu0 = cpuSeconds();
  const wall0 = performance.now();
  const worker = async () => {
    while (next < specs.length) {
      const spec = specs[next++]!;
      try {
        const network = await scraperFor(spec.class)!(spec, context(cache));
        ok++;
        stations += network.stations.length;
      } catch (error) {
        failures.push(`${spec.class}::${spec.tag}: ${(error as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Number(values.workers ?? 8) }, worker));
  console.log(JSON.stringify({
    side: "spoke",
    mode: "catalog",
    networks: specs.length,
    ok,
    failed: failures.length,
    firstFailures: failures.slice(0, 3),
    stations,
    cpuS: cpuSeconds() - cpu0,
    wallS: (performance.now() - wall0) / 1000,
    peakRssKiB: peakRssKiB(),
  }));
}

if (values.mode === "catalog") await catalogRound();
else await rounds(values.mode === "parse" ? "parse" : "e2e");
http?.close();
