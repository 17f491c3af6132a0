import mqtt from "mqtt";
import type { Config } from "../config/mod.ts";
import { loadConfig } from "../config/mod.ts";
import { recordedFeedSets, startFeedServer } from "../demo/mod.ts";
import { Spoke } from "../spoke.ts";
import { demoConfig, demoNetworks } from "./demo.ts";
import { setupLogging } from "./logging.ts";

/**
 * `spoke selftest`: start the broker on a free port, scrape one embedded
 * recording, publish it and read it back with an MQTT client. Proves that a
 * build (bundle or binary) has everything it needs inside it.
 */
export async function selftestCommand(_args: string[]): Promise<number> {
  await setupLogging("warning");
  const { config: defaults } = await loadConfig({ env: {} });
  const demo = demoConfig(defaults);
  const config: Config = {
    ...demo,
    // A proof, not a schedule: under qemu the first scrape (JIT warm-up included) can take
    // longer than a live feed is given.
    rules: demo.rules.map((rule) => ({ ...rule, timeout: 60 })),
    mqtt: { ...defaults.mqtt, host: "127.0.0.1", port: 0 },
    http: { ...defaults.http, enabled: false },
  };
  const feeds = await startFeedServer();
  const [network] = demoNetworks(feeds.discoveryUrls);
  const expectedStations = (recordedFeedSets[0]!.files.station_status as {
    data: { stations: unknown[] };
  }).data.stations.length;
  const spoke = await Spoke.start(config, { networks: [network!] });
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${spoke.broker!.port}`, {
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
  try {
    const received = new Promise<{ topic: string; stations: number }>((resolve) =>
      client.on(
        "message",
        (topic, payload) =>
          resolve({ topic, stations: JSON.parse(payload.toString()).stations.length }),
      )
    );
    await client.subscribeAsync("network/#", { qos: 1 });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) =>
      timer = setTimeout(() => reject(new Error("no update within 20 s")), 20_000)
    );
    const { topic, stations } = await Promise.race([received, timeout]).finally(() =>
      clearTimeout(timer)
    );
    if (stations !== expectedStations) {
      console.error(
        `selftest failed: ${topic} has ${stations} stations, expected ${expectedStations}`,
      );
      return 1;
    }
    console.log(`selftest ok: ${topic} with ${stations} stations`);
    return 0;
  } catch (error) {
    console.error(`selftest failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await client.endAsync();
    await spoke.stop(0);
    await feeds.close();
  }
}
