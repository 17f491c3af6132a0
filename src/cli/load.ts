import { type Config, type ConfigFlags, loadConfig } from "../config/mod.ts";
import type { configOptions } from "./args.ts";

type ConfigFlagValues = { [K in keyof typeof configOptions]?: string | boolean };

/** Loads the config a command runs on: file (flag or SPOKE_CONFIG) < env < flags. */
export async function loadCommandConfig(
  values: ConfigFlagValues,
): Promise<{ config: Config; source: string }> {
  const flags: ConfigFlags = {
    mqttPort: values["mqtt-port"] as string | undefined,
    httpPort: values["http-port"] as string | undefined,
    host: values.host as string | undefined,
    logLevel: values["log-level"] as string | undefined,
    broker: values.broker as string | undefined,
    shard: values.shard as string | undefined,
  };
  return await loadConfig({
    file: values.config as string | undefined,
    env: Deno.env.toObject(),
    flags,
  });
}
