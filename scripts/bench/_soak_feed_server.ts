/**
 * The soak's feed server, its own process: `/n/<i>/<file>` is the Divvy
 * recording of config/demo as network i, its station counts moving every
 * `--change-every` seconds (bikes in, docks out, capacity kept) so every
 * round has something to store. Prints `listening <port>`.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { "change-every": { type: "string" } },
});
const changeEveryMs = Number(values["change-every"] ?? 60) * 1000;
const demo = new URL("../../config/demo/gbfs-v2.3-divvy-chicago/", import.meta.url);
const files = ["system_information", "station_information", "station_status", "vehicle_types"];
const recorded: Record<string, Record<string, unknown>> = {};
for (const file of files) {
  recorded[file] = JSON.parse(await Deno.readTextFile(new URL(`${file}.json`, demo)));
}
const startedAt = Date.now();

type Status = {
  "station_id": string;
  "num_bikes_available": number;
  "num_docks_available": number;
  "last_reported": number;
  "vehicle_types_available"?: Array<{ count: number }>;
};

function status(network: number): unknown {
  const tick = Math.floor((Date.now() - startedAt) / changeEveryMs);
  const copy = structuredClone(recorded.station_status) as {
    "last_updated": number;
    data: { stations: Status[] };
  };
  const now = Math.floor(Date.now() / 1000);
  copy.last_updated = now;
  copy.data.stations.forEach((station, index) => {
    const wanted = ((network * 31 + index * 17 + tick * 7) % 5) - 2;
    const first = station.vehicle_types_available?.[0];
    const movable = first ? first.count : station.num_bikes_available;
    const delta = Math.max(-movable, Math.min(wanted, station.num_docks_available));
    station.num_bikes_available += delta;
    station.num_docks_available -= delta;
    if (first) first.count += delta;
    station.last_reported = now;
  });
  return copy;
}

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port}`),
}, (request) => {
  const url = new URL(request.url);
  const [, network, file] = url.pathname.match(/^\/n\/(\d+)\/([a-z_]+)\.json$/) ?? [];
  if (network === undefined || file === undefined) {
    return new Response("not found", { status: 404 });
  }
  if (file === "gbfs") {
    const base = `${url.origin}/n/${network}`;
    return Response.json({
      "last_updated": Math.floor(Date.now() / 1000),
      ttl: 0,
      version: "2.3",
      data: { en: { feeds: files.map((name) => ({ name, url: `${base}/${name}.json` })) } },
    });
  }
  if (file === "station_status") return Response.json(status(Number(network)));
  const body = recorded[file];
  return body ? Response.json(body) : new Response("not found", { status: 404 });
});
