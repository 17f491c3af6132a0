/**
 * The scrape benchmark's feed server, its own process (its CPU is nobody's):
 * serves, on 127.0.0.1 at a free port,
 *
 * - `/big/<file>`: a GBFS 2.3 system of `--stations` stations (default 2,000),
 *   the Divvy recording of config/demo repeated with new ids and positions,
 *   the same bytes at every request;
 * - `/live/<file>`: the same system as a real one behaves: station_status and
 *   free_bike_status change at every request (counts, `last_reported`,
 *   `last_updated`), the other documents stay byte-identical;
 * - `/churn/<file>`: the worst case, every document changes at every request;
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

/**
 * Bodies that change from one request to the next: VARIANTS versions made up
 * front (so the server's own CPU stays low), served in turn. The scraper only
 * remembers the last body of a URL, so two in turn already defeat any reuse.
 */
const VARIANTS = 8;
const changing = new Map<string, { bodies: Uint8Array<ArrayBuffer>[]; served: number }>();

/** Version `v` of a document: `last_updated` moved on, and for station_status the counts. */
function variant(file: string, document: Json, v: number): Json {
  const moved = { ...document, "last_updated": (document.last_updated as number) + v };
  if (file === "station_status.json") {
    const stations = stationsOf(document).map((s, i) => {
      const bikes = ((s.num_bikes_available as number) + v + i) % 16;
      const types = (s.vehicle_types_available as Json[] | undefined)?.map((t, j) =>
        j === 0 ? { ...t, count: bikes } : { ...t, count: 0 }
      );
      return {
        ...s,
        num_bikes_available: bikes,
        num_ebikes_available: 0,
        num_docks_available: 16 - bikes,
        last_reported: (s.last_reported as number) + v,
        ...(types === undefined ? {} : { vehicle_types_available: types }),
      };
    });
    return { ...moved, data: { stations } };
  }
  if (file === "free_bike_status.json") {
    const bikes = (document.data as { bikes: Json[] }).bikes.map((b) => ({
      ...b,
      lat: (b.lat as number) + v * 1e-5,
      lon: (b.lon as number) - v * 1e-5,
    }));
    return { ...moved, data: { bikes } };
  }
  return moved;
}

function changes(base: string, file: string): boolean {
  if (base === "churn") return true;
  return base === "live" && (file === "station_status.json" || file === "free_bike_status.json");
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, (request) => {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/nextbike/")) {
    return new Response(nextbikeXml, { headers: { "content-type": "application/xml" } });
  }
  const match = /^\/(big|live|churn|n\/[^/]+)\/([a-z_]+\.json)$/.exec(url.pathname);
  if (!match || !files.includes(match[2]!)) return new Response("not found", { status: 404 });
  const [, base, file] = match as unknown as [string, string, string];
  const scaledUp = base === "big" || base === "live" || base === "churn";
  const documentOf = () =>
    file === "gbfs.json"
      ? discovery(`${url.origin}/${base}/`)
      : scaledUp
      ? big[file] ?? recorded[file]!
      : recorded[file]!;
  if (changes(base, file)) {
    let turn = changing.get(url.pathname);
    if (turn === undefined) {
      const document = documentOf();
      turn = {
        bodies: Array.from(
          { length: VARIANTS },
          (_, v) => encoder.encode(JSON.stringify(variant(file, document, v))),
        ),
        served: 0,
      };
      changing.set(url.pathname, turn);
    }
    return new Response(turn.bodies[turn.served++ % VARIANTS]!, { headers });
  }
  let body = bodies.get(url.pathname);
  if (body === undefined) {
    body = encoder.encode(JSON.stringify(documentOf()));
    // The catalog round asks for thousands of paths: keep only the big system's.
    if (scaledUp) bodies.set(url.pathname, body);
  }
  return new Response(body, { headers });
});

const stop = () => void server.shutdown();
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
await server.finished;
Deno.removeSignalListener("SIGTERM", stop);
Deno.removeSignalListener("SIGINT", stop);
