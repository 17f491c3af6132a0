import { Buffer } from "node:buffer";
import mqtt, { type IClientPublishOptions, type MqttClient } from "mqtt";
import { getLogger } from "@logtape/logtape";
import type { BrokerMessage } from "../broker/mod.ts";
import type { MessageSink } from "./publisher.ts";

const log = getLogger(["spoke", "publish"]);

/** How Spoke talks to an external broker. */
export interface ExternalBrokerOptions {
  /** `mqtt://`, `mqtts://`, `ws://` or `wss://`, with `user:password@` when needed. */
  url: string;
  /** Empty or absent: `spoke-<random>`. */
  clientId?: string;
  /** Networks whose latest state is held while the broker is away (default 10,000). */
  maxPending?: number;
  /** First wait before reconnecting (default 500 ms); doubles per failure… */
  minBackoffMs?: number;
  /** …up to this (default 30 s). */
  maxBackoffMs?: number;
  /** Default 5 (MQTT 5: content type and message expiry go along). */
  protocolVersion?: 4 | 5;
  /**
   * PEM text of the CA(s) an `mqtts://` or `wss://` broker's certificate must chain to (a private
   * CA or a self-signed broker); absent: the system's roots. The certificate is always checked.
   */
  ca?: string;
}

/** Counters of the external broker connection. */
export interface ExternalBrokerStats {
  /** The URL without its password. */
  url: string;
  connected: boolean;
  /** Messages the broker acknowledged. */
  published: number;
  pending: number;
  /** Pending states pushed out because `maxPending` was reached, or expired while waiting. */
  dropped: number;
  /** Connection attempts after the first. */
  reconnects: number;
}

interface Held {
  message: BrokerMessage;
  /** Order of arrival: a held message is replaced only by a later one. */
  seq: number;
  /** performance.now() when it arrived, to shorten its expiry by the time it waited. */
  since: number;
}

/** The URL with its password replaced, fit for logs. */
export function redactedUrl(url: string): string {
  const parsed = URL.parse(url);
  if (!parsed || parsed.password === "") return url;
  parsed.password = "***";
  return parsed.toString();
}

/**
 * Publishes to an external MQTT broker (EMQX, NanoMQ, mosquitto) with MQTT.js.
 *
 * While the broker is away it reconnects with exponential back-off (and
 * jitter) and holds only the latest message per topic, bounded; on reconnect
 * it sends them. A message is held again only if nothing newer for its topic
 * came since, so nothing older is ever sent after something newer. Each
 * connection is a fresh client: MQTT.js's own resend queue could otherwise
 * replay an old state after a new one.
 */
export class ExternalBroker implements MessageSink {
  readonly url: string;
  #options: Required<Omit<ExternalBrokerOptions, "url" | "ca">>;
  readonly #ca: string | undefined;
  #client?: MqttClient;
  #connected = false;
  #closing = false;
  #attempt = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #seq = 0;
  #pending = new Map<string, Held>();
  #inflight = new Map<string, Held>();
  #stats = { published: 0, dropped: 0, reconnects: 0 };
  #lastError?: string;

  constructor(options: ExternalBrokerOptions) {
    const url = URL.parse(options.url);
    if (!url || !["mqtt:", "mqtts:", "ws:", "wss:"].includes(url.protocol) || !url.hostname) {
      throw new RangeError(
        `external broker URL must be mqtt://, mqtts://, ws:// or wss:// with a host, got "${
          redactedUrl(options.url)
        }"`,
      );
    }
    this.url = options.url;
    this.#ca = options.ca;
    this.#options = {
      clientId: options.clientId || `spoke-${crypto.randomUUID().slice(0, 8)}`,
      maxPending: options.maxPending ?? 10_000,
      minBackoffMs: options.minBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      protocolVersion: options.protocolVersion ?? 5,
    };
    if (!(Number.isInteger(this.#options.maxPending) && this.#options.maxPending >= 1)) {
      throw new RangeError(`maxPending must be a positive integer, got ${options.maxPending}`);
    }
  }

  /** Starts connecting; publishes are held until the connection is up. */
  start(): void {
    if (this.#client || this.#timer || this.#closing) return;
    this.#connect();
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Sends now when connected, else holds it as its topic's latest state. */
  publish(message: BrokerMessage): void {
    if (this.#closing) return;
    const held: Held = { message, seq: ++this.#seq, since: performance.now() };
    if (this.#connected && this.#client) this.#send(this.#client, held);
    else this.#hold(held);
  }

  stats(): ExternalBrokerStats {
    return {
      url: redactedUrl(this.url),
      connected: this.#connected,
      published: this.#stats.published,
      pending: this.#pending.size,
      dropped: this.#stats.dropped,
      reconnects: this.#stats.reconnects,
    };
  }

  /** Stops reconnecting; waits up to `graceMs` for messages in flight, then disconnects. */
  async close(graceMs = 2000): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      if (this.#connected) {
        await Promise.race([
          client.endAsync(false),
          new Promise((resolve) => timer = setTimeout(resolve, graceMs)),
        ]);
      }
    } finally {
      clearTimeout(timer);
      await client.endAsync(true);
      this.#connected = false;
    }
  }

  #connect(): void {
    this.#timer = undefined;
    const client = mqtt.connect(this.url, {
      clientId: this.#options.clientId,
      protocolVersion: this.#options.protocolVersion,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      ...(this.#ca === undefined ? {} : { ca: this.#ca }),
      rejectUnauthorized: true,
    });
    this.#client = client;
    client.on("connect", () => {
      if (this.#client !== client) return;
      this.#connected = true;
      this.#attempt = 0;
      this.#lastError = undefined;
      log.info("external broker {url} connected; sending {count} held states", {
        url: redactedUrl(this.url),
        count: this.#pending.size,
      });
      // Synchronously, before any new publish can slip in between.
      const held = [...this.#pending.values()];
      this.#pending.clear();
      for (const entry of held) this.#send(client, entry);
    });
    client.on("error", (error) => {
      // Once per distinct reason (a refused password, a dead host), not once per retry.
      const level = error.message === this.#lastError ? "debug" : "warning";
      this.#lastError = error.message;
      log[level]("external broker {url}: {message}", {
        url: redactedUrl(this.url),
        message: error.message,
      });
    });
    client.on("close", () => {
      if (this.#client !== client) return;
      const wasConnected = this.#connected;
      this.#connected = false;
      this.#client = undefined;
      // What was sent but not acknowledged may be lost: hold it again unless superseded.
      for (const entry of this.#inflight.values()) this.#hold(entry);
      this.#inflight.clear();
      client.end(true);
      if (this.#closing) return;
      if (wasConnected) {
        log.warning("external broker {url} lost; holding the latest state per network", {
          url: redactedUrl(this.url),
        });
      }
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    const { minBackoffMs, maxBackoffMs } = this.#options;
    const ceiling = Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(this.#attempt, 30));
    // Half fixed, half random: many devices that lost the same broker do not return in step.
    const delayMs = ceiling / 2 + Math.random() * ceiling / 2;
    this.#attempt++;
    this.#stats.reconnects++;
    this.#timer = setTimeout(() => this.#connect(), delayMs);
  }

  #hold(entry: Held): void {
    const topic = entry.message.topic;
    const current = this.#pending.get(topic);
    if (current && current.seq > entry.seq) return;
    // Re-inserted at the end: the map's order is the order of last update.
    this.#pending.delete(topic);
    if (this.#pending.size >= this.#options.maxPending) {
      const oldest = this.#pending.keys().next().value!;
      this.#pending.delete(oldest);
      this.#stats.dropped++;
      log.warning("external broker away: dropped the held state of {topic} (limit {limit})", {
        topic: oldest,
        limit: this.#options.maxPending,
      });
    }
    this.#pending.set(topic, entry);
  }

  #send(client: MqttClient, entry: Held): void {
    const { message } = entry;
    const options: IClientPublishOptions = {
      qos: message.qos === 0 ? 0 : 1,
      retain: message.retain === true,
    };
    if (this.#options.protocolVersion === 5 && message.properties) {
      const { contentType, payloadFormatIndicator, messageExpiryInterval } = message.properties;
      let expiry = messageExpiryInterval;
      if (expiry !== undefined) {
        // Time spent held counts against the expiry; an expired state is not sent at all.
        expiry = Math.floor(expiry - (performance.now() - entry.since) / 1000);
        if (expiry < 1) {
          this.#stats.dropped++;
          return;
        }
      }
      options.properties = {
        ...(contentType !== undefined && { contentType }),
        ...(payloadFormatIndicator !== undefined && { payloadFormatIndicator }),
        ...(expiry !== undefined && { messageExpiryInterval: expiry }),
      };
    }
    const payload = typeof message.payload === "string"
      ? message.payload
      : Buffer.from(message.payload);
    this.#inflight.set(message.topic, entry);
    client.publish(message.topic, payload, options, (error) => {
      const mine = this.#inflight.get(message.topic) === entry;
      if (!error) {
        if (mine) this.#inflight.delete(message.topic);
        this.#stats.published++;
        return;
      }
      // A lost connection leaves the entry in flight for "close" to hold again;
      // while still connected, this is the broker saying no: retrying would not help.
      if (this.#client === client && this.#connected && client.connected) {
        if (mine) this.#inflight.delete(message.topic);
        log.warning("external broker {url} refused {topic}: {message}", {
          url: redactedUrl(this.url),
          topic: message.topic,
          message: error.message,
        });
      }
    });
  }
}
