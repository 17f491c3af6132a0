/**
 * The benchmark's feed server: answers every GET at once with the same ~2 KB
 * GBFS-like JSON document, on 127.0.0.1 at a free port. Run as its own
 * process so its CPU is not counted against the engine being measured; it
 * prints `listening <port>` once ready and stops on SIGTERM or SIGINT.
 */
const stations = Array.from({ length: 12 }, (_, index) => ({
  station_id: `station-${index}`,
  num_bikes_available: index % 7,
  num_docks_available: 12 - (index % 7),
  is_installed: true,
  is_renting: true,
  is_returning: true,
  last_reported: 1_760_000_000 + index,
}));
const body = new TextEncoder().encode(JSON.stringify({
  last_updated: 1_760_000_000,
  ttl: 60,
  version: "2.3",
  data: { stations },
}));
const headers = { "content-type": "application/json" };

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(`listening ${port} ${body.byteLength}`),
}, () => new Response(body, { headers }));

const stop = () => void server.shutdown();
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
await server.finished;
Deno.removeSignalListener("SIGTERM", stop);
Deno.removeSignalListener("SIGINT", stop);
