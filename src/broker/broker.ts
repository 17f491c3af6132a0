import { getLogger } from "@logtape/logtape";
import { BrokerCore } from "./broker_core.ts";
import type { ResolvedBrokerOptions } from "./broker_core.ts";
import { MQTT_MAX_PACKET_BYTES } from "./codec.ts";
import { ProtocolError } from "./errors.ts";
import { createMessage } from "./message.ts";
import type { BrokerStats } from "./stats.ts";
import { topicNameProblem } from "./topic_names.ts";
import type { Transport } from "./transport.ts";
import { ReasonCode } from "./reason_codes.ts";

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
  qos?: 0 | 1;
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
  #listener: Deno.TcpListener | undefined;
  #acceptLoop: Promise<void> | undefined;
  #port: number;
  #closing: Promise<void> | undefined;

  /** Checks the options; throws {@linkcode ProtocolError} or `RangeError` for bad ones. */
  constructor(options: BrokerOptions = {}) {
    const resolved: ResolvedBrokerOptions = {
      hostname: options.hostname ?? DEFAULTS.hostname,
      port: options.port ?? DEFAULTS.port,
      maxPacketSize: options.maxPacketSize ?? DEFAULTS.maxPacketSize,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      protectedTopics: options.protectedTopics ?? DEFAULTS.protectedTopics,
      maxQueuedBytes: options.maxQueuedBytes ?? DEFAULTS.maxQueuedBytes,
    };
    checkInteger("port", resolved.port, 0, 65_535);
    // 64 bytes is about the smallest CONNECT a real client sends.
    checkInteger("maxPacketSize", resolved.maxPacketSize, 64, MQTT_MAX_PACKET_BYTES);
    checkInteger("connectTimeoutMs", resolved.connectTimeoutMs, 1, 2 ** 31 - 1);
    checkInteger("maxQueuedBytes", resolved.maxQueuedBytes, 0, Number.MAX_SAFE_INTEGER);
    this.#core = new BrokerCore(resolved);
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
    logger.info("MQTT broker listening on {hostname}:{port}", { hostname, port: this.#port });
    return Promise.resolve(listener.addr);
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
    if (qos !== 0 && qos !== 1) {
      throw new ProtocolError(
        `publish: qos must be 0 or 1, got ${qos}`,
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
    }, undefined));
  }

  /**
   * Serves one client connection to its end, from any transport (TCP, TLS, a WebSocket
   * adapter); resolves when the connection is closed.
   */
  handleConnection(conn: Transport): Promise<void> {
    return this.#core.handleConnection(conn);
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
    if (this.#listener !== undefined) {
      try {
        this.#listener.close();
      } catch {
        // Already closed.
      }
      await this.#acceptLoop;
    }
    await this.#core.shutdown();
  }

  async #accept(listener: Deno.TcpListener): Promise<void> {
    try {
      for await (const conn of listener) {
        // Packets are small and latency matters; writes are already coalesced per connection.
        conn.setNoDelay(true);
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
