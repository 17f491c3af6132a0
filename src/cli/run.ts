import { getLogger } from "@logtape/logtape";
import { Spoke, type SpokeOptions } from "../spoke.ts";
import { VERSION } from "../version.ts";
import { type Config, ConfigError } from "../config/mod.ts";
import { configOptions, parseFlags } from "./args.ts";
import { loadCommandConfig } from "./load.ts";
import { connectionChurn, MEMORY_TRIM_INTERVAL_S, startMemoryTrim } from "./memory_trim.ts";
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
  // SIGHUP reads the same file, env and flags again.
  return await runUntilSignal(config, {}, async () => (await loadCommandConfig(values)).config);
}

/**
 * Runs a Spoke until SIGINT or SIGTERM: then scheduling stops, running
 * scrapes get `[engine] shutdown_timeout` to finish, the rest is aborted and
 * every listener closes (exit 0). A second signal exits at once. With
 * `reloadConfig`, SIGHUP applies a new config; a bad one is refused with the
 * usual error and the running plan stays.
 */
export async function runUntilSignal(
  config: Config,
  options: SpokeOptions = {},
  reloadConfig?: () => Promise<Config>,
): Promise<number> {
  const spoke = await Spoke.start(config, options);
  using _trim = startMemoryTrim(
    MEMORY_TRIM_INTERVAL_S,
    spoke.broker && connectionChurn(spoke.broker),
  );
  const stopping = Promise.withResolvers<string>();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  let received = 0;
  const onSignal = (signal: Deno.Signal) => () => {
    received++;
    if (received > 1) Deno.exit(130);
    stopping.resolve(signal);
  };
  const handlers: Array<readonly [Deno.Signal, () => void]> = signals.map((
    signal,
  ) => [signal, onSignal(signal)] as const);
  if (Deno.build.os !== "windows") {
    let reloading = Promise.resolve();
    const onHangup = () => {
      // One reload at a time, in the order the signals came.
      reloading = reloading.then(() => reload(spoke, reloadConfig));
    };
    handlers.push(["SIGHUP", onHangup]);
  }
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  const signal = await stopping.promise;
  log.info("{signal}: shutting down", { signal });
  await spoke.stop();
  for (const [name, handler] of handlers) Deno.removeSignalListener(name, handler);
  log.info("stopped");
  return 0;
}

async function reload(spoke: Spoke, reloadConfig?: () => Promise<Config>): Promise<void> {
  if (!reloadConfig) {
    log.warn("SIGHUP: this command has no config file to reload");
    return;
  }
  log.info("SIGHUP: reloading the config");
  try {
    const config = await reloadConfig();
    if (config.log.level !== spoke.config.log.level) await setupLogging(config.log.level);
    spoke.reload(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      log.error("SIGHUP: reload failed, the running config stays: {error}", { error });
      return;
    }
    log.error("SIGHUP: config refused, the running config stays: {message}", {
      message: error.message,
    });
  }
}
