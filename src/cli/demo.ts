import { getLogger } from "@logtape/logtape";
import type { Config } from "../config/mod.ts";
import { recordedFeedSets, startFeedServer } from "../demo/mod.ts";
import type { NetworkSpec } from "../scrape/mod.ts";
import { configOptions, parseFlags } from "./args.ts";
import { loadCommandConfig } from "./load.ts";
import { setupLogging } from "./logging.ts";
import { runUntilSignal } from "./run.ts";
import { USAGE } from "./usage.ts";

const log = getLogger(["spoke", "cli"]);

/** Seconds between demo scrapes, and between changes of the recorded counts. */
const DEMO_INTERVAL_S = 10;

/** The demo's networks: one per recorded system, scraped from the local feed server. */
export function demoNetworks(discoveryUrls: Record<string, string>): NetworkSpec[] {
  return recordedFeedSets.map((set) => ({
    class: "gbfs",
    tag: set.tag,
    name: set.title,
    location: set.location,
    url: discoveryUrls[set.name]!,
  }));
}

/** The config with the demo's own schedule: every network every 10 s. */
export function demoConfig(config: Config): Config {
  return {
    ...config,
    catalog: { ...config.catalog, builtin: false },
    rules: [{ match: ".*", interval: DEMO_INTERVAL_S, jitter: 2, stale_after: 60 }],
    // The recorded files announce ttl 60 while the demo changes them every 10 s.
    scrape: { ...config.scrape, max_ttl: 0 },
  };
}

/** `spoke demo`: the whole pipeline on recorded feeds served from inside the binary. */
export async function demoCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, configOptions);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const { config } = await loadCommandConfig(values);
  await setupLogging(config.log.level);
  const feeds = await startFeedServer({ changeEveryS: DEMO_INTERVAL_S });
  try {
    log.info("demo: watch it with  mosquitto_sub -h {host} -p {port} -t 'network/#' -v", {
      host: config.mqtt.host,
      port: config.mqtt.port,
    });
    return await runUntilSignal(demoConfig(config), {
      networks: demoNetworks(feeds.discoveryUrls),
    });
  } finally {
    await feeds.close();
  }
}
