import type { Client } from "./client.ts";
import type { Message } from "./message.ts";

/** One subscription of a session, as granted (§3.8.3.1 subscription options). */
export interface Subscription {
  readonly filter: string;
  /** Granted QoS: the requested one capped at the broker's maximum. */
  readonly qos: 0 | 1;
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

/** A QoS 1 message sent and not yet acknowledged, kept for redelivery. */
export interface InflightPublish {
  readonly message: Message;
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[] | undefined;
}

/** A QoS 1 message waiting for room under the client's Receive Maximum. */
export type PendingPublish = InflightPublish;

/** QoS 1 messages a session holds back for a client that stopped acknowledging. */
const MAX_PENDING_PUBLISHES = 1000;

/**
 * What the broker keeps about a client beyond its socket: subscriptions, unacknowledged QoS 1
 * messages and packet id allocation. Sessions are clean for now (they end with the connection);
 * keeping them apart from the connection is what lets persistent sessions outlive one later.
 */
export class Session {
  readonly clientId: string;
  /** Subscriptions by topic filter; a repeated filter replaces the old one [MQTT-3.8.4-3]. */
  readonly subscriptions: Map<string, Subscription> = new Map();
  /** Sent QoS 1 messages awaiting PUBACK, by packet id. */
  readonly inflight: Map<number, InflightPublish> = new Map();
  /** The client's Receive Maximum: unacknowledged QoS 1 sends allowed at once [MQTT-3.3.4-9]. */
  receiveMaximum = 65_535;
  /** The connection currently attached, if any. */
  client: Client | undefined;
  #pending: PendingPublish[] = [];
  #lastPacketId = 0;

  constructor(clientId: string) {
    this.clientId = clientId;
  }

  /** How many QoS 1 messages wait for room in the in-flight window. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Whether the in-flight window is full. */
  get inflightFull(): boolean {
    return this.inflight.size >= this.receiveMaximum;
  }

  /**
   * The next free packet id [MQTT-2.3.1-2]: non-zero and not used by an unacknowledged message,
   * or `undefined` when all 65,535 are in use.
   */
  allocatePacketId(): number | undefined {
    for (let tries = 0; tries < 65_535; tries++) {
      this.#lastPacketId = this.#lastPacketId >= 65_535 ? 1 : this.#lastPacketId + 1;
      if (!this.inflight.has(this.#lastPacketId)) return this.#lastPacketId;
    }
    return undefined;
  }

  /**
   * Queues a QoS 1 message until the window has room. When the queue is full the oldest entry is
   * dropped and returned, so a stalled client costs bounded memory.
   */
  enqueuePending(entry: PendingPublish): PendingPublish | undefined {
    this.#pending.push(entry);
    return this.#pending.length > MAX_PENDING_PUBLISHES ? this.#pending.shift() : undefined;
  }

  /** Takes the oldest queued message, if any. */
  takePending(): PendingPublish | undefined {
    return this.#pending.shift();
  }

  /** Forgets everything in flight and queued (clean session end). */
  clear(): void {
    this.inflight.clear();
    this.#pending = [];
  }
}
