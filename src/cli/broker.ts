import { getLogger } from "@logtape/logtape";
import { Broker } from "../broker/mod.ts";
import { type ConfigFlags, loadConfig } from "../config/mod.ts";
import { parseFlags } from "./args.ts";
import { setupLogging } from "./logging.ts";
import { USAGE } from "./usage.ts";

const log = getLogger(["spoke", "cli"]);

/** `spoke broker`: the embedded broker alone, like `mosquitto -p N`. */
export async function brokerCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    config: { type: "string", short: "c" },
    port: { type: "string", short: "p" },
    host: { type: "string" },
    "log-level": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // --port is this command's name for the config's mqtt.port (and --mqtt-port of run).
  const flags: ConfigFlags = {
    mqttPort: values.port,
    host: values.host,
    logLevel: values["log-level"],
  };
  const { config } = await loadConfig({ file: values.config, env: Deno.env.toObject(), flags });
  await setupLogging(config.log.level);
  const broker = new Broker({
    hostname: config.mqtt.host,
    port: config.mqtt.port,
    maxPacketSize: config.mqtt.max_packet_size,
  });
  const addr = await broker.listen();
  log.info("mqtt listening on {hostname}:{port}", { hostname: addr.hostname, port: addr.port });
  const stopping = Promise.withResolvers<void>();
  const signals = ["SIGINT", "SIGTERM"] as const;
  let received = 0;
  const onSignal = () => {
    if (++received > 1) Deno.exit(130);
    stopping.resolve();
  };
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  await stopping.promise;
  await broker.close();
  for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  return 0;
}
