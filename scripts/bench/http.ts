/**
 * `deno task bench http`: `GET /v2/networks/:tag` of a 2,000-station network
 * from Spoke's Hono app (the real `createApi` on `Deno.serve`, the store
 * holding the network) beside the same JSON served by a bare `Deno.serve`
 * from a string made once (the ceiling). Each server is its own process;
 * Debian's `wrk` loads it from another (2 threads, 32 connections, 10 s, after
 * a 3 s warm-up). Prints requests/s and p99 of both and their ratio.
 */
import type { ServiceStats } from "../../src/api/mod.ts";

const [mode] = Deno.args;
const STATIONS = 2000;
const TAG = "bench-2000";

if (mode === "spoke" || mode === "bare") {
  const { createApi } = await import("../../src/api/mod.ts");
  const { LatestStore } = await import("../../src/store/mod.ts");
  const network = makeNetwork();
  const store = new LatestStore();
  store.put("gbfs", TAG, network);
  const body = JSON.stringify({ network });
  const handler = mode === "spoke"
    ? createApi({
      networks: () => store.all(),
      byTag: (tag) => store.byTag(tag),
      problems: () => [],
      stats: () => ({}) as ServiceStats,
    }).fetch
    : () => new Response(body, { headers: { "content-type": "application/json" } });
  Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => console.log(`listening ${port}`),
  }, handler);
} else {
  const results: Record<string, { rps: number; p99Ms: number }> = {};
  for (const server of ["bare", "spoke"] as const) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, server],
      stdout: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const port = Number((await reader.read()).value?.match(/listening (\d+)/)?.[1]);
    const url = `http://127.0.0.1:${port}/v2/networks/${TAG}`;
    const check = await fetch(url);
    const payload = await check.json();
    if (payload.network?.stations?.length !== STATIONS) throw new Error(`${server}: bad answer`);
    await wrk(url, 3);
    results[server] = await wrk(url, 10);
    child.kill("SIGTERM");
    await child.status;
    console.log(
      `${server}: ${results[server]!.rps.toFixed(0)} req/s, p99 ${results[server]!.p99Ms} ms`,
    );
  }
  const ratio = results.spoke!.rps / results.bare!.rps;
  console.log(JSON.stringify({ ...results, spokeOverBare: +ratio.toFixed(2) }));
}

async function wrk(url: string, seconds: number): Promise<{ rps: number; p99Ms: number }> {
  const { stdout } = await new Deno.Command("wrk", {
    args: ["-t2", "-c32", `-d${seconds}s`, "--latency", url],
    stdout: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  const rps = Number(text.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const [, value, unit] = text.match(/99%\s+([\d.]+)(us|ms|s)/) ?? [];
  const p99Ms = Number(value) * (unit === "us" ? 0.001 : unit === "s" ? 1000 : 1);
  return { rps, p99Ms: +p99Ms.toFixed(2) };
}

function makeNetwork() {
  const stations = Array.from({ length: STATIONS }, (_, i) => ({
    id: `station-${i}`,
    name: `Station ${i} & Some Avenue`,
    latitude: 41.8 + (i % 100) / 1000,
    longitude: -87.6 - Math.floor(i / 100) / 1000,
    "free_bikes": i % 13,
    "empty_slots": 20 - (i % 13),
    timestamp: "2025-01-29T09:45:09Z",
    extra: { uid: `station-${i}`, renting: true, returning: true, slots: 20, ebikes: i % 3 },
  }));
  return {
    id: TAG,
    tag: TAG,
    name: "Bench 2000",
    href: `/v2/networks/${TAG}`,
    location: { city: "Chicago", country: "US", latitude: 41.88, longitude: -87.63 },
    company: ["Bench"],
    stations,
  };
}
