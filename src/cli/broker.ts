import { getLogger } from "@logtape/logtape";
import {
  AclError,
  Broker,
  brokerOptionsFromSettings,
  PasswordFileError,
  PersistenceError,
} from "../broker/mod.ts";
import { type Config, type ConfigFlags, loadConfig, readPemFile } from "../config/mod.ts";
import { parseFlags, UsageError } from "./args.ts";
import { setupLogging } from "./logging.ts";
import { VERSION } from "../version.ts";
import { connectionChurn, MEMORY_TRIM_INTERVAL_S, startMemoryTrim } from "./memory_trim.ts";

const log = getLogger(["spoke", "cli"]);

/** `spoke broker --help`. */
export const BROKER_USAGE = `spoke broker — the MQTT 3.1.1 and 5.0 broker alone, like mosquitto

Usage: spoke broker [-p PORT] [--host ADDR] [--http-port N] [-c FILE] [--log-level L]

  -p, --port N         TCP port (SPOKE_MQTT_PORT, [mqtt] port, default 1883)
      --host ADDR      bind address of every listener (SPOKE_HOST, [mqtt] host, default 127.0.0.1)
      --http-port N    also serve MQTT over WebSocket at ws://ADDR:N/mqtt (subprotocols mqtt
                       and mqttv3.1); wss:// when the config's [http.tls] cert and key are set
  -c, --config FILE    TOML or JSON config; its [mqtt] section holds the rest:

[mqtt] settings (each also SPOKE_MQTT_<NAME>):
  max_packet_size      largest packet accepted, bytes (1048576)
  max_inflight         QoS 1/2 window both ways, the Receive Maximum (1000)
  max_queued_messages  high-water mark of a session's queue, messages (1000)
  max_queued_bytes     high-water mark of a session's queue, payload bytes (8388608)
  queue_policy         drop-oldest | drop-newest, past a high-water mark (drop-oldest)
  max_keepalive        longest keep-alive granted to MQTT 5 clients, seconds; 0 = any (0)
  topic_alias_maximum  topic aliases an MQTT 5 client may set up (10)
  sys_interval         seconds between $SYS/broker/... updates; 0 = off (10)
  max_connections      open connections at most; more are closed at once (10000)
  max_topic_length     longest topic name or filter, UTF-8 bytes (1024)
  max_topic_levels     most levels in a topic name or filter (32)
  max_subscriptions    most subscriptions per client (1000)
  protected_topics     filters only Spoke publishes to (["network/#", "$SYS/#"])
  allow_anonymous      clients without a user name may connect (true)
  password_file        users and password hashes, written by: spoke passwd FILE USER
  [mqtt.tls] port, cert, key
                       MQTT over TLS on port (8883) when both PEM files are set
                       (SPOKE_MQTT_TLS_PORT, SPOKE_MQTT_TLS_CERT, SPOKE_MQTT_TLS_KEY)
  persistence          SQLite file for retained messages and persistent sessions (none);
                       saved about once a second, survives kill -9
  acl_file             mosquitto-style ACL: "user NAME", "topic [read|write|readwrite|deny]
                       FILTER", "pattern [...] FILTER" with %u (user) and %c (client id)
  subscribe_denied_reason
                       not-authorized | unspecified: SUBACK code of a subscription the ACL
                       denies, MQTT 5 0x87 or 0x80 (not-authorized; 3.1.1 always 0x80)

Clients may publish anywhere but network/# and $SYS/# (Spoke's own), and subscribe anywhere,
unless an ACL says otherwise. Persistent sessions (clean session 0, MQTT 5 session expiry),
QoS 0/1/2, retained messages, wills with delay, topic aliases, shared subscriptions
($share/GROUP/FILTER) and $SYS/broker/... are on.
`;

/** The broker of `config`, with a bad password file or ACL reported as a usage error. */
function createBroker(config: Config): Broker {
  try {
    return new Broker(brokerOptionsFromSettings(config.mqtt, VERSION));
  } catch (error) {
    if (
      error instanceof PasswordFileError || error instanceof AclError ||
      error instanceof PersistenceError
    ) {
      throw new UsageError(error.message);
    }
    throw error;
  }
}

/** The `[http.tls]` PEM texts, or `{}` for plain ws://. */
function httpTls(config: Config): { cert?: string; key?: string } {
  const { cert, key } = config.http.tls;
  if (cert === "" || key === "") return {};
  return { cert: readPemFile(cert, "http.tls.cert"), key: readPemFile(key, "http.tls.key") };
}

/** MQTT over WebSocket at `/mqtt` on `[http] host:port`; any other path is a JSON 404. */
async function serveWebSocket(
  broker: Broker,
  config: Config,
  tls: { cert?: string; key?: string },
): Promise<Deno.HttpServer<Deno.NetAddr>> {
  const listening = Promise.withResolvers<void>();
  const server = Deno.serve({
    hostname: config.http.host,
    port: config.http.port,
    ...tls,
    onListen: () => listening.resolve(),
  }, (request) => {
    if (new URL(request.url).pathname === "/mqtt") return broker.upgradeWebSocket(request);
    return Response.json({ error: "not found: spoke broker serves only /mqtt" }, { status: 404 });
  });
  await listening.promise;
  log.info("http listening on {hostname}:{port}, MQTT over {scheme} at /mqtt", {
    hostname: server.addr.hostname,
    port: server.addr.port,
    scheme: tls.cert === undefined ? "ws" : "wss",
  });
  return server;
}

/** `spoke broker`: the embedded broker alone, like `mosquitto -p N`. */
export async function brokerCommand(args: string[]): Promise<number> {
  const { values } = parseFlags(args, {
    config: { type: "string", short: "c" },
    port: { type: "string", short: "p" },
    host: { type: "string" },
    "http-port": { type: "string" },
    "log-level": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(BROKER_USAGE);
    return 0;
  }
  // --port is this command's name for the config's mqtt.port (and --mqtt-port of run).
  const flags: ConfigFlags = {
    mqttPort: values.port,
    httpPort: values["http-port"],
    host: values.host,
    logLevel: values["log-level"],
  };
  const { config } = await loadConfig({ file: values.config, env: Deno.env.toObject(), flags });
  await setupLogging(config.log.level);
  const webSocketTls = values["http-port"] === undefined ? undefined : httpTls(config);
  const broker = createBroker(config);
  const addr = await broker.listen();
  log.info("mqtt listening on {hostname}:{port}", { hostname: addr.hostname, port: addr.port });
  const webSocket = webSocketTls === undefined
    ? undefined
    : await serveWebSocket(broker, config, webSocketTls);
  using _trim = startMemoryTrim(MEMORY_TRIM_INTERVAL_S, connectionChurn(broker));
  const stopping = Promise.withResolvers<void>();
  const signals = ["SIGINT", "SIGTERM"] as const;
  let received = 0;
  const onSignal = () => {
    if (++received > 1) Deno.exit(130);
    stopping.resolve();
  };
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  await stopping.promise;
  // The broker first: it says DISCONNECT (0x8B) to WebSocket clients too, then the server closes.
  await broker.close();
  await webSocket?.shutdown();
  for (const signal of signals) Deno.removeSignalListener(signal, onSignal);
  return 0;
}
