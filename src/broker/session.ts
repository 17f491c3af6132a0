import type { Client } from "./client.ts";
import type { Message } from "./message.ts";

/** A QoS the broker grants and delivers at. */
export type Qos = 0 | 1 | 2;

/** One subscription of a session, as granted (§3.8.3.1 subscription options). */
export interface Subscription {
  /** The filter as the client sent it, `$share/<group>/` prefix included. */
  readonly filter: string;
  /** The filter topics are matched against (without a `$share/<group>/` prefix). */
  readonly matchFilter: string;
  /** The share name of a shared subscription (§4.8.2), else `undefined`. */
  readonly shareGroup: string | undefined;
  /** Granted QoS: the requested one capped at the broker's maximum. */
  readonly qos: Qos;
  /** MQTT 5 No Local: never send this session its own messages [MQTT-3.8.3-3]. */
  readonly noLocal: boolean;
  /** MQTT 5 Retain As Published: keep the publisher's retain flag when forwarding. */
  readonly retainAsPublished: boolean;
  /** MQTT 5 Retain Handling: 0 send retained, 1 only for a new subscription, 2 never. */
  readonly retainHandling: 0 | 1 | 2;
  /** MQTT 5 Subscription Identifier, echoed on every matching PUBLISH. */
  readonly subscriptionId: number | undefined;
  readonly session: Session;
}

/** A message on its way to one session, before it has a packet id. */
export interface QueuedPublish {
  readonly message: Message;
  readonly qos: 1 | 2;
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[] | undefined;
}

/**
 * A QoS 1 or 2 message sent and not yet completed, kept for redelivery [MQTT-4.4.0-1]. A QoS 2
 * message moves from `"publish"` (awaiting PUBREC) to `"pubrel"` (PUBREL sent, awaiting PUBCOMP).
 */
export interface InflightPublish extends QueuedPublish {
  state: "publish" | "pubrel";
}

/**
 * What a session does when its queue is full: drop the oldest queued message or the new one.
 *
 * @example
 * ```ts
 * import { Broker, type QueuePolicy } from "./mod.ts";
 *
 * const queuePolicy: QueuePolicy = "drop-newest";
 * const broker = new Broker({ port: 0, queuePolicy, maxSessionQueuedMessages: 100 });
 * await broker.close();
 * ```
 */
export type QueuePolicy = "drop-oldest" | "drop-newest";

/** High-water marks of one session's queue of messages waiting to be sent. */
export interface QueueLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly policy: QueuePolicy;
}

/** Session Expiry Interval meaning "never" (§3.1.2.11.2). */
export const SESSION_NEVER_EXPIRES = 0xffff_ffff;

/**
 * What the broker keeps about a client beyond its socket: subscriptions, unacknowledged QoS 1
 * and 2 messages in both directions, packet id allocation and the queue of messages waiting to
 * be sent (offline, or while the client's Receive Maximum window is full). A session outlives
 * its connection when the client asked for it (clean session 0 / a Session Expiry Interval).
 */
export class Session {
  readonly clientId: string;
  /** The user name of the connection that last opened the session (for ACL checks). */
  username: string | undefined;
  /** The client's Receive Maximum: unacknowledged QoS 1/2 sends allowed at once [MQTT-3.3.4-9]. */
  receiveMaximum = 65_535;
  /** Seconds the session outlives its connection; 0 ends it with the connection. */
  expiryIntervalSeconds = 0;
  /** The connection currently attached, if any. */
  client: Client | undefined;
  /** When the client went away (epoch ms), while it is away. */
  detachedAtMs: number | undefined;
  /** Changed since persistence last saved it. */
  dirty = true;
  /** The timer that ends a detached session, or publishes its delayed will. */
  expiryTimer: ReturnType<typeof setTimeout> | undefined;
  willTimer: ReturnType<typeof setTimeout> | undefined;
  /** A will waiting out its Will Delay Interval (§3.1.3.2.2). */
  delayedWill: Message | undefined;
  /** The last route that listed this session, and where (see `_route_targets.ts`). */
  routeMark = 0;
  routeIndex = 0;
  readonly #limits: QueueLimits;
  // The collections below are made on first use: most sessions on a Pi are idle subscribers,
  // and an empty Map or Set still costs about 200 bytes.
  #subscriptions: Map<string, Subscription> | undefined;
  #inflight: Map<number, InflightPublish> | undefined;
  #incomingQos2: Set<number> | undefined;
  #queue: QueuedPublish[] = [];
  #queueHead = 0;
  #queuedBytes = 0;
  #lastPacketId = 0;

  constructor(clientId: string, limits: QueueLimits) {
    this.clientId = clientId;
    this.#limits = limits;
  }

  /** Subscriptions by topic filter; a repeated filter replaces the old one [MQTT-3.8.4-3]. */
  get subscriptions(): Map<string, Subscription> {
    return this.#subscriptions ??= new Map();
  }

  /** Sent QoS 1 and 2 messages not yet completed, by packet id, in send order. */
  get inflight(): Map<number, InflightPublish> {
    return this.#inflight ??= new Map();
  }

  /**
   * Packet ids of QoS 2 messages received and acknowledged with PUBREC, awaiting PUBREL: a
   * resent PUBLISH with one of these ids is not routed again [MQTT-4.3.3-9].
   */
  get incomingQos2(): Set<number> {
    return this.#incomingQos2 ??= new Set();
  }

  /** How many messages wait to be sent. */
  get queuedCount(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Payload bytes of the messages waiting to be sent. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Whether the in-flight window is full. */
  get inflightFull(): boolean {
    return (this.#inflight?.size ?? 0) >= this.receiveMaximum;
  }

  /**
   * A free packet id [MQTT-2.3.1-2]: non-zero and not used by an unacknowledged message, or
   * `undefined` when all 65,535 are in use. `preferred` (a message's id for all its subscribers)
   * when it is free, else the next free one.
   */
  allocatePacketId(preferred = 0): number | undefined {
    const inflight = this.inflight;
    if (preferred !== 0 && !inflight.has(preferred)) return preferred;
    for (let tries = 0; tries < 65_535; tries++) {
      this.#lastPacketId = this.#lastPacketId >= 65_535 ? 1 : this.#lastPacketId + 1;
      if (!inflight.has(this.#lastPacketId)) return this.#lastPacketId;
    }
    return undefined;
  }

  /**
   * Queues a message until it can be sent. Past a high-water mark (messages or bytes) the
   * policy decides what goes: the oldest queued messages (default) or this one. Returns how many
   * messages were dropped, so the caller can count them.
   */
  enqueue(entry: QueuedPublish): number {
    const size = entry.message.payload.byteLength;
    const { maxMessages, maxBytes, policy } = this.#limits;
    const fits = () => this.queuedCount < maxMessages && this.#queuedBytes + size <= maxBytes;
    this.dirty = true;
    if (fits()) {
      this.#push(entry, size);
      return 0;
    }
    if (policy === "drop-newest" || size > maxBytes || maxMessages === 0) return 1;
    let dropped = 0;
    while (!fits() && this.take() !== undefined) dropped++;
    this.#push(entry, size);
    return dropped;
  }

  /** Takes the oldest queued message, if any. */
  take(): QueuedPublish | undefined {
    if (this.#queueHead >= this.#queue.length) return undefined;
    const entry = this.#queue[this.#queueHead]!;
    this.dirty = true;
    this.#queue[this.#queueHead] = undefined as unknown as QueuedPublish;
    this.#queueHead++;
    this.#queuedBytes -= entry.message.payload.byteLength;
    // Compact now and then instead of shifting on every take: O(1) amortised.
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    }
    return entry;
  }

  /** The queued messages, oldest first (for persistence). */
  queued(): QueuedPublish[] {
    return this.#queue.slice(this.#queueHead);
  }

  /** Forgets everything in flight and queued. */
  clear(): void {
    this.dirty = true;
    this.#inflight?.clear();
    this.#incomingQos2?.clear();
    this.#queue = [];
    this.#queueHead = 0;
    this.#queuedBytes = 0;
  }

  /** Stops the session's timers (expiry, delayed will). */
  clearTimers(): void {
    if (this.expiryTimer !== undefined) clearTimeout(this.expiryTimer);
    if (this.willTimer !== undefined) clearTimeout(this.willTimer);
    this.expiryTimer = undefined;
    this.willTimer = undefined;
  }

  #push(entry: QueuedPublish, size: number): void {
    this.#queue.push(entry);
    this.#queuedBytes += size;
  }
}
