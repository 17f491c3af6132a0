/**
 * The scrape benchmark's feed server, its own process (its CPU is nobody's):
 * serves, on 127.0.0.1 at a free port,
 *
 * - `/big/<file>`: a GBFS 2.3 system of `--stations` stations (default 2,000),
 *   the Divvy recording of config/demo repeated with new ids and positions;
 * - `/n/<tag>/<file>`: the Divvy recording itself (25 stations), one system
 *   per path, for a round of the whole catalog;
 * - `/nextbike/<anything>.xml`: the recorded Nextbike live XML.
 *
 * Prints `listening <port>` once ready; stops on SIGTERM or SIGINT.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({ args: Deno.args, options: { stations: { type: "string" } } });
const stationCount = Number(values.stations ?? 2000);
const demo = new URL("../../config/demo/gbfs-v2.3-divvy-chicago/", import.meta.url);
const nextbikeXml = await Deno.readFile(
  new URL("../../tests/fixtures/nextbike-live-xml-2017/nextbike-live.xml", import.meta.url),
);

type Json = Record<string, unknown>;
const read = async (file: string): Promise<Json> =>
  JSON.parse(await Deno.readTextFile(new URL(file, demo))) as Json;
const files = [
  "gbfs.json",
  "system_information.json",
  "station_information.json",
  "station_status.json",
  "vehicle_types.json",
  "free_bike_status.json",
];
const recorded = Object.fromEntries(
  await Promise.all(files.map(async (file) => [file, await read(file)] as const)),
);

/** gbfs.json with every feed URL under `base`. */
function discovery(base: string): Json {
  const original = recorded["gbfs.json"]!;
  const feeds = files.filter((f) => f !== "gbfs.json").map((file) => ({
    name: file.replace(/\.json$/, ""),
    url: `${base}${file}`,
  }));
  return { ...original, data: { en: { feeds } } };
}

function stationsOf(document: Json): Json[] {
  return (document.data as { stations: Json[] }).stations;
}

/** The recording repeated to `count` stations, ids and positions made unique. */
function scaled(count: number): Record<string, Json> {
  const info = stationsOf(recorded["station_information.json"]!);
  const status = stationsOf(recorded["station_status.json"]!);
  const pick = <T>(list: T[], i: number) => list[i % list.length]!;
  const copy = (i: number) => Math.floor(i / info.length);
  const bigInfo = Array.from({ length: count }, (_, i) => {
    const s = pick(info, i);
    return {
      ...s,
      station_id: `${s.station_id}-${copy(i)}`,
      name: `${s.name} ${copy(i)}`,
      lat: (s.lat as number) + copy(i) * 0.001,
      lon: (s.lon as number) + copy(i) * 0.001,
    };
  });
  const bigStatus = Array.from({ length: count }, (_, i) => {
    const s = pick(status, i);
    return { ...s, station_id: `${s.station_id}-${copy(i)}` };
  });
  return {
    "station_information.json": {
      ...recorded["station_information.json"],
      data: { stations: bigInfo },
    },
    "station_status.json": { ...recorded["station_status.json"], data: { stations: bigStatus } },
  };
}

const encoder = new TextEncoder();
const big = scaled(stationCount);
const bodies = new Map<string, Uint8Array<ArrayBuffer>>();
const headers = { "content-type": "application/json" };

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, (request) => {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/nextbike/")) {
    return new Response(nextbikeXml, { headers: { "content-type": "application/xml" } });
  }
  const match = /^\/(big|n\/[^/]+)\/([a-z_]+\.json)$/.exec(url.pathname);
  if (!match || !files.includes(match[2]!)) return new Response("not found", { status: 404 });
  let body = bodies.get(url.pathname);
  if (body === undefined) {
    const [, base, file] = match as unknown as [string, string, string];
    const document = file === "gbfs.json"
      ? discovery(`${url.origin}/${base}/`)
      : base === "big"
      ? big[file] ?? recorded[file]!
      : recorded[file]!;
    body = encoder.encode(JSON.stringify(document));
    // The catalog round asks for thousands of paths: keep only the big system's.
    if (base === "big") bodies.set(url.pathname, body);
  }
  return new Response(body, { headers });
});

const stop = () => void server.shutdown();
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
await server.finished;
Deno.removeSignalListener("SIGTERM", stop);
Deno.removeSignalListener("SIGINT", stop);
