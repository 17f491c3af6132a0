import mqtt from "mqtt";
import { parseFlags, UsageError } from "./args.ts";
import { USAGE } from "./usage.ts";

interface NetworkPayload {
  stations?: Array<{ free_bikes?: number; empty_slots?: number | null; timestamp?: string }>;
}

/** One line per update: topic, stations, bikes, free docks and how old the newest report is. */
export function describeUpdate(topic: string, payload: Uint8Array, now = Date.now()): string {
  if (payload.length === 0) return `${topic}  (retained state cleared)`;
  let network: NetworkPayload;
  try {
    network = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return `${topic}  not a network payload (${payload.length} bytes of non-JSON)`;
  }
  if (!Array.isArray(network?.stations)) {
    return `${topic}  not a network payload (no stations array)`;
  }
  let bikes = 0, docks = 0, newest = -Infinity;
  for (const station of network.stations) {
    bikes += station.free_bikes ?? 0;
    docks += station.empty_slots ?? 0;
    const at = Date.parse(station.timestamp ?? "");
    if (at > newest) newest = at;
  }
  const age = Number.isFinite(newest) ? `${Math.max(0, Math.round((now - newest) / 1000))}s` : "?";
  return `${topic}  stations=${network.stations.length} bikes=${bikes} free_docks=${docks} age=${age}`;
}

/** `spoke sub`: the logging subscriber users start with. */
export async function subCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    url: { type: "string", default: "mqtt://127.0.0.1:1883" },
    topic: { type: "string", short: "t", default: "network/#" },
    protocol: { type: "string", short: "V", default: "5" },
    count: { type: "string", short: "n" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const protocolVersion = Number(values.protocol);
  if (protocolVersion !== 4 && protocolVersion !== 5) {
    throw new UsageError(`--protocol must be 4 or 5, got "${values.protocol}"`);
  }
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0) || !Number.isInteger(count) && count !== Infinity) {
    throw new UsageError(`--count must be a positive integer, got "${values.count}"`);
  }
  let client;
  try {
    client = await mqtt.connectAsync(values.url, { protocolVersion, reconnectPeriod: 0 });
  } catch (error) {
    console.error(`spoke sub: cannot connect to ${values.url}: ${(error as Error).message}`);
    return 1;
  }
  const done = Promise.withResolvers<number>();
  let seen = 0;
  client.on("message", (topic, payload) => {
    console.log(describeUpdate(topic, payload));
    if (++seen >= count) done.resolve(0);
  });
  client.on("close", () => done.resolve(seen >= count ? 0 : 1));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => done.resolve(0));
  }
  await client.subscribeAsync(values.topic, { qos: 1 });
  const code = await done.promise;
  await client.endAsync();
  return code;
}
