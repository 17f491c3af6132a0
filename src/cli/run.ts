import { getLogger } from "@logtape/logtape";
import { Spoke, type SpokeOptions } from "../spoke.ts";
import { VERSION } from "../version.ts";
import type { Config } from "../config/mod.ts";
import { configOptions, parseFlags } from "./args.ts";
import { loadCommandConfig } from "./load.ts";
import { setupLogging } from "./logging.ts";
import { USAGE } from "./usage.ts";

const log = getLogger(["spoke", "cli"]);

/** `spoke run`: the whole pipeline until SIGINT or SIGTERM. */
export async function runCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, configOptions);
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const { config, source } = await loadCommandConfig(values);
  await setupLogging(config.log.level);
  log.info("spoke {version} starting with {source}", { version: VERSION, source });
  return await runUntilSignal(config);
}

/** Runs a Spoke until a signal; a second signal exits at once. */
export async function runUntilSignal(config: Config, options: SpokeOptions = {}): Promise<number> {
  const spoke = await Spoke.start(config, options);
  const stopping = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let received = 0;
  const onSignal = (signal: Deno.Signal) => () => {
    received++;
    if (received > 1) Deno.exit(130);
    stopping.resolve(signal);
  };
  const handlers = signals.map((signal) => [signal, onSignal(signal)] as const);
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  const signal = await stopping.promise;
  log.info("{signal}: shutting down", { signal });
  await spoke.stop();
  for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
  log.info("stopped");
  return 0;
}
