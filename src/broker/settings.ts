import type { BrokerOptions } from "./broker.ts";
import { AclError } from "./acl.ts";
import { PasswordFileError } from "./password_file.ts";
import { PersistenceError } from "./persistence.ts";
import type { SubscribeDeniedReason } from "./broker_core.ts";
import type { QueuePolicy } from "./session.ts";

/**
 * The broker's settings as a config file's `[mqtt]` section spells them (snake_case). Declared
 * here, not imported, so the broker does not depend on the config room: any object of this
 * shape will do.
 */
export interface BrokerSettings {
  readonly host: string;
  readonly port: number;
  readonly "max_packet_size": number;
  readonly "max_inflight": number;
  readonly "max_queued_messages": number;
  readonly "max_queued_bytes": number;
  readonly "queue_policy": QueuePolicy;
  readonly "max_keepalive": number;
  readonly "topic_alias_maximum": number;
  readonly "sys_interval": number;
  readonly "max_connections": number;
  readonly "max_topic_length": number;
  readonly "max_topic_levels": number;
  readonly "max_subscriptions": number;
  readonly "protected_topics": readonly string[];
  readonly "allow_anonymous": boolean;
  /** Path of the password file; empty for none. */
  readonly "password_file": string;
  /** Path of the ACL file; empty for none. */
  readonly "acl_file": string;
  /** SUBACK code of an ACL-denied subscription in MQTT 5 (3.1.1 always has 0x80). */
  readonly "subscribe_denied_reason": SubscribeDeniedReason;
  /** `[mqtt.tls]`: MQTT over TLS on `port`, when both PEM paths are set. */
  readonly tls: { readonly port: number; readonly cert: string; readonly key: string };
  /** Path of the SQLite persistence file; empty for none. */
  readonly persistence: string;
}

/**
 * {@linkcode BrokerOptions} from `[mqtt]` settings, reading the password, ACL and TLS files.
 * Throws `PasswordFileError`, `AclError` or `PersistenceError` (TLS files) naming a file that
 * cannot be read.
 *
 * @example
 * ```ts
 * import { Broker, brokerOptionsFromSettings } from "./mod.ts";
 *
 * const options = brokerOptionsFromSettings({
 *   host: "127.0.0.1", port: 0, max_packet_size: 65_536, max_inflight: 20,
 *   max_queued_messages: 100, max_queued_bytes: 1_048_576, queue_policy: "drop-oldest",
 *   max_keepalive: 60, topic_alias_maximum: 10, sys_interval: 0, max_connections: 100,
 *   max_topic_length: 256, max_topic_levels: 8, max_subscriptions: 50, protected_topics: ["network/#"], allow_anonymous: true,
 *   password_file: "", acl_file: "", subscribe_denied_reason: "not-authorized", tls: { port: 8883, cert: "", key: "" },
 *   persistence: "",
 * }, "1.0.0");
 * const broker = new Broker(options);
 * await broker.close();
 * ```
 */
export function brokerOptionsFromSettings(
  settings: BrokerSettings,
  version: string,
): BrokerOptions {
  return {
    hostname: settings.host,
    port: settings.port,
    maxPacketSize: settings.max_packet_size,
    maxInflight: settings.max_inflight,
    maxSessionQueuedMessages: settings.max_queued_messages,
    maxSessionQueuedBytes: settings.max_queued_bytes,
    queuePolicy: settings.queue_policy,
    maxKeepAliveSeconds: settings.max_keepalive,
    topicAliasMaximum: settings.topic_alias_maximum,
    sysIntervalSeconds: settings.sys_interval,
    maxConnections: settings.max_connections,
    maxTopicLength: settings.max_topic_length,
    maxTopicLevels: settings.max_topic_levels,
    maxSubscriptionsPerClient: settings.max_subscriptions,
    protectedTopics: [...settings.protected_topics],
    allowAnonymous: settings.allow_anonymous,
    passwords: readSettingsFile(
      settings.password_file,
      (message) => new PasswordFileError(`mqtt.password_file ${message}`),
    ),
    acl: readSettingsFile(settings.acl_file, (message) => new AclError(`mqtt.acl_file ${message}`)),
    subscribeDeniedReason: settings.subscribe_denied_reason,
    ...(settings.persistence === "" ? {} : { persistence: settings.persistence }),
    // TLS is on when both PEM files are named; one alone is a config mistake caught by the
    // cross-checks of the config room, not a reason to guess here.
    ...(settings.tls.cert === "" || settings.tls.key === "" ? {} : {
      tls: {
        port: settings.tls.port,
        cert: readSettingsFile(
          settings.tls.cert,
          (m) => new PersistenceError(`mqtt.tls.cert ${m}`),
        )!,
        key: readSettingsFile(settings.tls.key, (m) => new PersistenceError(`mqtt.tls.key ${m}`))!,
      },
    }),
    version,
  };
}

function readSettingsFile(path: string, error: (message: string) => Error): string | undefined {
  if (path === "") return undefined;
  try {
    // Read once at start, before any connection: a synchronous read blocks nothing yet.
    return Deno.readTextFileSync(path);
  } catch (cause) {
    throw error(`"${path}": ${cause instanceof Error ? cause.message : cause}`);
  }
}
