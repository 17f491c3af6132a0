/**
 * `deno task bench http_client`: CPU per GET of a ~2 KB JSON document
 * (`_feed_server.ts`, its own process), 10,000 GETs with 8 in flight, by
 * `process.cpuUsage()` of this process: the scrapers' `fetchJson` through
 * `fetch` (the anchor) and through Spoke's `HttpClient`, and the bare
 * transports under them (`fetch` + `bytes()`, `HttpClient.get`). The sides
 * take turns, three rounds after a warm-up, and the medians are reported with
 * their ratio. Runs with the heap flags Spoke ships (`SHIPPED_HEAP_FLAGS`).
 *
 * Options: `--gets N` (10000), `--in-flight N` (8), `--rounds N` (3).
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { fetchJson, HttpClient, type ScrapeContext } from "../../src/scrape/mod.ts";
import { SHIPPED_HEAP_FLAGS } from "./_v8_flags.ts";
import { median } from "./_median.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    child: { type: "string" },
    gets: { type: "string", default: "10000" },
    "in-flight": { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
  },
});
const GETS = Number(values.gets);
const IN_FLIGHT = Number(values["in-flight"]);
const ROUNDS = Number(values.rounds);
const MAX_BYTES = 16_777_216;

if (values.child === undefined) {
  const here = new URL(".", import.meta.url);
  const feed = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", new URL("_feed_server.ts", here).pathname],
    stdout: "piped",
  }).spawn();
  const reader = feed.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const port = (await reader.read()).value?.split(" ")[1];
  try {
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `--v8-flags=${SHIPPED_HEAP_FLAGS}`,
        new URL(import.meta.url).pathname,
        `--child=${port}`,
        ...Deno.args,
      ],
    }).spawn().status;
    if (code !== 0) Deno.exitCode = code;
  } finally {
    feed.kill("SIGTERM");
    await feed.status;
    reader.releaseLock();
    await feed.stdout.cancel();
  }
} else {
  await measure(new URL(`http://127.0.0.1:${values.child}/bench/station_status.json`));
}

async function measure(url: URL): Promise<void> {
  const client = new HttpClient();
  const context = (http?: HttpClient): ScrapeContext => ({
    signal: new AbortController().signal,
    maxBytes: MAX_BYTES,
    userAgent: "spoke-bench",
    ...(http === undefined ? {} : { http }),
  });
  const headers: [string, string][] = [["User-Agent", "spoke-bench"], ["Accept", "*/*"]];
  const sides: Record<string, () => Promise<unknown>> = {
    "fetchJson via fetch": () => fetchJson(url.href, context()),
    "fetchJson via HttpClient": () => fetchJson(url.href, context(client)),
    "bare fetch + bytes()": async () =>
      await (await fetch(url, { signal: new AbortController().signal, headers })).bytes(),
    "bare HttpClient.get": () => client.get(url, headers, new AbortController().signal, MAX_BYTES),
  };
  const perGet: Record<string, number[]> = {};
  for (const [name, side] of Object.entries(sides)) {
    await run(side, Math.min(GETS, 2000)); // warm-up: JIT, connections
    perGet[name] = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, side] of Object.entries(sides)) perGet[name]!.push(await run(side, GETS));
  }
  client.close();
  const medians = Object.fromEntries(
    Object.entries(perGet).map(([name, values]) => [name, median(values)]),
  );
  for (const [name, values] of Object.entries(perGet)) {
    console.log(
      `${name}: ${medians[name]!.toFixed(4)} ms CPU per GET (rounds ${
        values.map((v) => v.toFixed(4)).join(", ")
      })`,
    );
  }
  const ratio = (a: string, b: string) => +(medians[a]! / medians[b]!).toFixed(2);
  console.log(JSON.stringify({
    gets: GETS,
    inFlight: IN_FLIGHT,
    cpuMsPerGet: medians,
    clientOverFetch: ratio("fetchJson via HttpClient", "fetchJson via fetch"),
    bareClientOverBareFetch: ratio("bare HttpClient.get", "bare fetch + bytes()"),
  }));
}

/** CPU milliseconds per GET of `count` GETs, `IN_FLIGHT` at a time. */
async function run(get: () => Promise<unknown>, count: number): Promise<number> {
  let started = 0;
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (started++ < count) await get();
  }));
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000 / count;
}
