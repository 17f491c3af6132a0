import { getLogger } from "@logtape/logtape";
import { BrokerCore } from "./broker_core.ts";
import type { ResolvedBrokerOptions, SubscribeDeniedReason } from "./broker_core.ts";
import { MQTT_MAX_PACKET_BYTES } from "./codec.ts";
import { ProtocolError } from "./errors.ts";
import { createMessage } from "./message.ts";
import type { BrokerStats } from "./stats.ts";
import { topicNameProblem } from "./topic_names.ts";
import type { Transport } from "./transport.ts";
import { ReasonCode } from "./reason_codes.ts";
import type { QueuePolicy } from "./session.ts";
import { SysTopics } from "./sys_topics.ts";
import { BrokerPersistence } from "./persistence.ts";
import { chooseMqttProtocol, WebSocketTransport } from "./websocket_transport.ts";
import { parseAcl } from "./acl.ts";
import { parsePasswordFile } from "./password_file.ts";

const logger = getLogger(["spoke", "broker"]);

/**
 * Settings of a {@linkcode Broker}; every one has a default.
 *
 * @example A broker on a free port that lets clients publish anywhere
 * ```ts
 * import { Broker, type BrokerOptions } from "./mod.ts";
 *
 * const options: BrokerOptions = { port: 0, protectedTopics: [], maxPacketSize: 64 * 1024 };
 * const broker = new Broker(options);
 * await broker.listen();
 * await broker.close();
 * ```
 */
export interface BrokerOptions {
  /** Address to listen on; default `"127.0.0.1"`. */
  hostname?: string;
  /** TCP port; default 1883, and 0 picks a free port (see {@linkcode Broker.port}). */
  port?: number;
  /** Largest packet accepted from a client, in bytes, header included; default 1 MiB. */
  maxPacketSize?: number;
  /** How long a new connection may take to send CONNECT; default 10,000 ms. */
  connectTimeoutMs?: number;
  /** Topic filters only the in-process API may publish to; default `["network/#", "$SYS/#"]`. */
  protectedTopics?: string[];
  /**
   * Bytes that may wait in one client's write queue before QoS 0 messages to it are dropped
   * (a slow reader must not make the broker hoard memory); default 8 MiB.
   */
  maxQueuedBytes?: number;
  /**
   * In-flight window, both ways: the Receive Maximum announced to MQTT 5 clients (QoS 2
   * messages awaiting PUBREL) and the most unacknowledged QoS 1/2 messages sent to one client;
   * default 1000 (a window of 100 made a QoS 1 burst queue up and overflow behind PUBACK round trips).
   */
  maxInflight?: number;
  /**
   * High-water mark of one session's queue (messages waiting while the client is away or its
   * window is full), in messages; default 1000.
   */
  maxSessionQueuedMessages?: number;
  /** High-water mark of one session's queue in payload bytes; default 8 MiB. */
  maxSessionQueuedBytes?: number;
  /** What goes when a session queue is full: `"drop-oldest"` (default) or `"drop-newest"`. */
  queuePolicy?: QueuePolicy;
  /**
   * Longest keep-alive granted to MQTT 5 clients, in seconds: a client asking for more (or for
   * none) is told this as Server Keep Alive; 0 (default) accepts the client's value.
   */
  maxKeepAliveSeconds?: number;
  /** Topic aliases an MQTT 5 client may set up per connection (Topic Alias Maximum); default 10. */
  topicAliasMaximum?: number;
  /** Seconds between `$SYS/broker/...` updates once listening; 0 turns them off; default 10. */
  sysIntervalSeconds?: number;
  /**
   * A TLS listener beside the TCP one (MQTT over TLS, usually port 8883): certificate chain and
   * private key in PEM; `port` 0 picks a free one (see {@linkcode Broker.tlsPort}). Default: none.
   */
  tls?: { port: number; cert: string; key: string };
  /**
   * SQLite file (node:sqlite, WAL) keeping retained messages and persistent sessions across
   * restarts and crashes; loaded by the constructor, saved in batches. Default: none.
   */
  persistence?: string;
  /** Milliseconds between persistence batches (the most a crash can lose); default 1000. */
  persistenceIntervalMs?: number;
  /** Open connections at most (sockets, before and after CONNECT); more are closed; 10,000. */
  maxConnections?: number;
  /** Longest topic name or filter, in UTF-8 bytes; default 1024. */
  maxTopicLength?: number;
  /** Most levels in a topic name or filter; default 32. */
  maxTopicLevels?: number;
  /** Most subscriptions one session may hold; default 1000. */
  maxSubscriptionsPerClient?: number;
  /** What `$SYS/broker/version` says; default `"spoke"`. */
  version?: string;
  /** Whether clients without a user name may connect; default true. */
  allowAnonymous?: boolean;
  /**
   * The text of a password file (`spoke passwd FILE USER` writes one): when given, a client with
   * a user name must send that user's password.
   */
  passwords?: string;
  /** The text of an ACL file (mosquitto's format: `user`, `topic`, `pattern` lines). */
  acl?: string;
  /**
   * SUBACK code an MQTT 5 client gets for a subscription the ACL denies: `"not-authorized"`
   * (0x87, default) or `"unspecified"` (0x80, which does not reveal that the topic is protected).
   * MQTT 3.1.1 clients always get 0x80, the only failure code it has.
   */
  subscribeDeniedReason?: SubscribeDeniedReason;
}

/**
 * An application message published in-process with {@linkcode Broker.publish}.
 *
 * @example A retained JSON message that MQTT 5 subscribers see expire after two minutes
 * ```ts
 * import type { BrokerMessage } from "./mod.ts";
 *
 * const message: BrokerMessage = {
 *   topic: "network/gbfs/demo/update",
 *   payload: JSON.stringify({ stations: [] }),
 *   qos: 1,
 *   retain: true,
 *   properties: { contentType: "application/json", messageExpiryInterval: 120 },
 * };
 * ```
 */
export interface BrokerMessage {
  /** Topic name: non-empty, no wildcards. */
  topic: string;
  /** Bytes, or a string sent as UTF-8. */
  payload: Uint8Array | string;
  /** Quality of service; default 0. */
  qos?: 0 | 1 | 2;
  /** Keep as the topic's retained message (an empty payload clears it); default false. */
  retain?: boolean;
  /** MQTT 5 properties, delivered to MQTT 5 subscribers only. */
  properties?: {
    contentType?: string;
    payloadFormatIndicator?: boolean;
    /** Seconds the message stays deliverable (and retained); subscribers see the remaining time. */
    messageExpiryInterval?: number;
    userProperties?: Record<string, string | string[]>;
  };
}

const DEFAULTS: ResolvedBrokerOptions = {
  hostname: "127.0.0.1",
  port: 1883,
  maxPacketSize: 1024 * 1024,
  connectTimeoutMs: 10_000,
  protectedTopics: ["network/#", "$SYS/#"],
  maxQueuedBytes: 8 * 1024 * 1024,
  maxInflight: 1000,
  maxSessionQueuedMessages: 1000,
  maxSessionQueuedBytes: 8 * 1024 * 1024,
  queuePolicy: "drop-oldest",
  maxKeepAliveSeconds: 0,
  topicAliasMaximum: 10,
  sysIntervalSeconds: 10,
  maxConnections: 10_000,
  maxTopicLength: 1024,
  maxTopicLevels: 32,
  maxSubscriptionsPerClient: 1000,
  allowAnonymous: true,
  passwords: undefined,
  acl: undefined,
  subscribeDeniedReason: "not-authorized",
};

/**
 * An MQTT 3.1.1 and 5.0 broker running inside the process: TCP listener, topic tree, retained
 * messages, QoS 0 and 1, keep-alive, access rules that reserve `network/#` and `$SYS/#` for
 * {@linkcode Broker.publish}. It knows nothing of what the messages mean.
 *
 * @example Listen on a free port, publish, read the counters, close
 * ```ts
 * import { Broker } from "./mod.ts";
 *
 * const broker = new Broker({ port: 0 });
 * const address = await broker.listen();
 * console.log(`MQTT on ${address.hostname}:${broker.port}`);
 * broker.publish({ topic: "network/gbfs/demo/update", payload: "{}", retain: true });
 * console.log(broker.stats().retained); // 1
 * await broker.close();
 * ```
 */
export class Broker {
  readonly #core: BrokerCore;
  readonly #sysTopics: SysTopics;
  readonly #persistence: BrokerPersistence | undefined;
  readonly #tls: { port: number; cert: string; key: string } | undefined;
  #persistTimer: ReturnType<typeof setInterval> | undefined;
  #listener: Deno.TcpListener | undefined;
  #acceptLoop: Promise<void> | undefined;
  #tlsListener: Deno.TlsListener | undefined;
  #tlsAcceptLoop: Promise<void> | undefined;
  #port: number;
  #closing: Promise<void> | undefined;

  /**
   * Checks the options; throws {@linkcode ProtocolError} or `RangeError` for bad ones, and
   * `PasswordFileError` / `AclError` naming the line of a bad password file or ACL.
   */
  constructor(options: BrokerOptions = {}) {
    const resolved: ResolvedBrokerOptions = {
      hostname: options.hostname ?? DEFAULTS.hostname,
      port: options.port ?? DEFAULTS.port,
      maxPacketSize: options.maxPacketSize ?? DEFAULTS.maxPacketSize,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      protectedTopics: options.protectedTopics ?? DEFAULTS.protectedTopics,
      maxQueuedBytes: options.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes,
      maxInflight: options.maxInflight ?? DEFAULTS.maxInflight,
      maxSessionQueuedMessages: options.maxSessionQueuedMessages ??
        DEFAULTS.maxSessionQueuedMessages,
      maxSessionQueuedBytes: options.maxSessionQueuedBytes ?? DEFAULTS.maxSessionQueuedBytes,
      queuePolicy: options.queuePolicy ?? DEFAULTS.queuePolicy,
      maxKeepAliveSeconds: options.maxKeepAliveSeconds ?? DEFAULTS.maxKeepAliveSeconds,
      topicAliasMaximum: options.topicAliasMaximum ?? DEFAULTS.topicAliasMaximum,
      sysIntervalSeconds: options.sysIntervalSeconds ?? DEFAULTS.sysIntervalSeconds,
      maxConnections: options.maxConnections ?? DEFAULTS.maxConnections,
      maxTopicLength: options.maxTopicLength ?? DEFAULTS.maxTopicLength,
      maxTopicLevels: options.maxTopicLevels ?? DEFAULTS.maxTopicLevels,
      maxSubscriptionsPerClient: options.maxSubscriptionsPerClient ??
        DEFAULTS.maxSubscriptionsPerClient,
      allowAnonymous: options.allowAnonymous ?? true,
      passwords: options.passwords === undefined ? undefined : parsePasswordFile(options.passwords),
      acl: options.acl === undefined ? undefined : parseAcl(options.acl),
      subscribeDeniedReason: options.subscribeDeniedReason ?? DEFAULTS.subscribeDeniedReason,
    };
    checkInteger("port", resolved.port, 0, 65_535);
    // 64 bytes is about the smallest CONNECT a real client sends.
    checkInteger("maxPacketSize", resolved.maxPacketSize, 64, MQTT_MAX_PACKET_BYTES);
    checkInteger("connectTimeoutMs", resolved.connectTimeoutMs, 1, 2 ** 31 - 1);
    checkInteger("maxQueuedBytes", resolved.maxQueuedBytes, 0, Number.MAX_SAFE_INTEGER);
    checkInteger("maxInflight", resolved.maxInflight, 1, 65_535);
    checkInteger("maxSessionQueuedMessages", resolved.maxSessionQueuedMessages, 0, 2 ** 31 - 1);
    checkInteger(
      "maxSessionQueuedBytes",
      resolved.maxSessionQueuedBytes,
      0,
      Number.MAX_SAFE_INTEGER,
    );
    checkInteger("maxKeepAliveSeconds", resolved.maxKeepAliveSeconds, 0, 65_535);
    checkInteger("topicAliasMaximum", resolved.topicAliasMaximum, 0, 65_535);
    checkInteger("sysIntervalSeconds", resolved.sysIntervalSeconds, 0, 86_400);
    checkInteger("maxConnections", resolved.maxConnections, 1, 2 ** 31 - 1);
    checkInteger("maxTopicLength", resolved.maxTopicLength, 1, 65_535);
    checkInteger("maxTopicLevels", resolved.maxTopicLevels, 1, 65_535);
    checkInteger("maxSubscriptionsPerClient", resolved.maxSubscriptionsPerClient, 1, 2 ** 31 - 1);
    if (resolved.queuePolicy !== "drop-oldest" && resolved.queuePolicy !== "drop-newest") {
      throw new RangeError(
        `broker option queuePolicy must be "drop-oldest" or "drop-newest", got "${resolved.queuePolicy}"`,
      );
    }
    if (
      resolved.subscribeDeniedReason !== "not-authorized" &&
      resolved.subscribeDeniedReason !== "unspecified"
    ) {
      throw new RangeError(
        `broker option subscribeDeniedReason must be "not-authorized" or "unspecified", got "${resolved.subscribeDeniedReason}"`,
      );
    }
    this.#core = new BrokerCore(resolved);
    if (options.tls !== undefined) checkInteger("tls.port", options.tls.port, 0, 65_535);
    this.#tls = options.tls;
    this.#sysTopics = new SysTopics(this.#core, options.version ?? "spoke");
    if (options.persistence !== undefined) {
      const intervalMs = options.persistenceIntervalMs ?? 1000;
      checkInteger("persistenceIntervalMs", intervalMs, 1, 2 ** 31 - 1);
      const persistence = new BrokerPersistence(options.persistence);
      this.#persistence = persistence;
      const nowMs = Date.now();
      for (const message of persistence.loadRetained()) this.#core.restoreRetained(message, nowMs);
      for (const session of persistence.loadSessions()) this.#core.restoreSession(session, nowMs);
      logger.info("broker state loaded from {path}: {retained} retained, {sessions} sessions", {
        path: options.persistence,
        retained: this.#core.retainedStore.size,
        sessions: this.#core.snapshot().sessions,
      });
      this.#persistTimer = setInterval(() => this.#persist(), intervalMs);
    }
    this.#port = resolved.port;
  }

  /** Starts the TCP listener; resolves with the address it is bound to. */
  listen(): Promise<Deno.NetAddr> {
    if (this.#listener !== undefined) {
      return Promise.reject(new Error(`broker already listening on port ${this.#port}`));
    }
    if (this.#closing !== undefined) return Promise.reject(new Error("broker is closed"));
    const { hostname, port } = this.#core.options;
    const listener = Deno.listen({ hostname, port, transport: "tcp" });
    this.#listener = listener;
    this.#port = listener.addr.port;
    this.#acceptLoop = this.#accept(listener);
    const tls = this.#tls;
    if (tls !== undefined) {
      try {
        this.#tlsListener = Deno.listenTls({
          hostname,
          port: tls.port,
          cert: tls.cert,
          key: tls.key,
        });
      } catch (error) {
        listener.close();
        return Promise.reject(
          new Error(
            `MQTT TLS listener on port ${tls.port}: ${
              error instanceof Error ? error.message : error
            }`,
          ),
        );
      }
      this.#tlsAcceptLoop = this.#accept(this.#tlsListener);
      logger.info("MQTT broker listening with TLS on {hostname}:{port}", {
        hostname,
        port: this.#tlsListener.addr.port,
      });
    }
    this.#sysTopics.start(this.#core.options.sysIntervalSeconds);
    logger.info("MQTT broker listening on {hostname}:{port}", { hostname, port: this.#port });
    return Promise.resolve(listener.addr);
  }

  /** The bound TLS port once listening, if a TLS listener was asked for. */
  get tlsPort(): number | undefined {
    return this.#tlsListener?.addr.port ?? this.#tls?.port;
  }

  /** The bound port once listening (the configured one before). */
  get port(): number {
    return this.#port;
  }

  /**
   * Publishes from inside the process: bypasses the access rules, goes to every matching
   * subscriber and is retained if asked. Throws {@linkcode ProtocolError} for a topic that is
   * not a valid topic name or a bad property.
   */
  publish(message: BrokerMessage): void {
    const problem = topicNameProblem(message.topic);
    if (problem !== undefined) {
      throw new ProtocolError(`publish: ${problem}`, ReasonCode.TopicNameInvalid);
    }
    const qos = message.qos ?? 0;
    if (qos !== 0 && qos !== 1 && qos !== 2) {
      throw new ProtocolError(
        `publish: qos must be 0, 1 or 2, got ${qos}`,
        ReasonCode.QosNotSupported,
      );
    }
    const expiry = message.properties?.messageExpiryInterval;
    if (expiry !== undefined && !(Number.isInteger(expiry) && expiry >= 0 && expiry < 2 ** 32)) {
      throw new ProtocolError(
        `publish: messageExpiryInterval must be a whole number of seconds in [0, 2^32), got ${expiry}`,
      );
    }
    const core = this.#core;
    core.stats.messagesIn++;
    core.route(createMessage({
      topic: message.topic,
      payload: typeof message.payload === "string"
        ? message.payload
        // Copied: the caller may reuse its buffer once publish returns.
        : new Uint8Array(message.payload),
      qos,
      retain: message.retain === true,
      properties: message.properties,
      // The copy above (or the string's UTF-8 bytes) is the broker's own: a retained network is
      // not copied a second time.
      payloadOwned: true,
    }, undefined));
  }

  /**
   * Serves one client connection to its end, from any transport (TCP, TLS, a WebSocket
   * adapter); resolves when the connection is closed.
   */
  handleConnection(conn: Transport): Promise<void> {
    return this.#core.handleConnection(conn);
  }

  /**
   * Serves one MQTT over WebSocket connection (an open or opening socket from
   * `Deno.upgradeWebSocket`); resolves when it is closed.
   */
  handleWebSocket(socket: WebSocket): Promise<void> {
    return this.#core.handleConnection(new WebSocketTransport(socket));
  }

  /**
   * Answers a WebSocket upgrade request for MQTT: picks the `mqtt` or `mqttv3.1` subprotocol
   * the client offers, upgrades, and serves the connection. A request that is not a WebSocket
   * upgrade, or offers only other subprotocols, gets 400 or 426. Mount it on an HTTP path
   * (Spoke serves it at `/mqtt`).
   */
  upgradeWebSocket(request: Request): Response {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("MQTT over WebSocket: expected a WebSocket upgrade\n", {
        status: 426,
        headers: { upgrade: "websocket" },
      });
    }
    const protocol = chooseMqttProtocol(request);
    if (protocol === undefined && request.headers.has("sec-websocket-protocol")) {
      return new Response("MQTT over WebSocket: offer the mqtt subprotocol\n", { status: 400 });
    }
    const { socket, response } = Deno.upgradeWebSocket(
      request,
      protocol === undefined ? {} : { protocol },
    );
    void this.handleWebSocket(socket);
    return response;
  }

  /** Counters and sizes at this moment. */
  stats(): BrokerStats {
    return this.#core.snapshot();
  }

  /**
   * Stops listening and closes every client (MQTT 5 clients get DISCONNECT 0x8B server shutting
   * down); resolves when all are closed. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#sysTopics.stop();
    if (this.#listener !== undefined) {
      try {
        this.#listener.close();
      } catch {
        // Already closed.
      }
      await this.#acceptLoop;
    }
    if (this.#tlsListener !== undefined) {
      try {
        this.#tlsListener.close();
      } catch {
        // Already closed.
      }
      await this.#tlsAcceptLoop;
    }
    await this.#core.shutdown();
    if (this.#persistence !== undefined) {
      clearInterval(this.#persistTimer);
      this.#persist();
      this.#persistence.close();
    }
  }

  /** Saves what changed since the last batch, in one transaction. */
  #persist(): void {
    const { retained, sessions } = this.#core.takeChanges();
    if (retained.size === 0 && sessions.size === 0) return;
    try {
      this.#persistence!.write(retained, sessions);
    } catch (error) {
      // The broker keeps serving from memory; the next batch tries these changes again.
      this.#core.restoreChanges(retained, sessions);
      logger.error("{error}", { error: error instanceof Error ? error.message : String(error) });
    }
  }

  async #accept(listener: Deno.TcpListener | Deno.TlsListener): Promise<void> {
    try {
      for await (const conn of listener) {
        // Packets are small and latency matters; writes are already coalesced per connection.
        if ("setNoDelay" in conn) conn.setNoDelay(true);
        void this.#core.handleConnection(conn);
      }
    } catch (error) {
      if (this.#closing === undefined) {
        logger.error("MQTT listener failed: {error}", { error: String(error) });
      }
    }
  }
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `broker option ${name} must be an integer in [${min}, ${max}], got ${value}`,
    );
  }
}
