import { getLogger } from "@logtape/logtape";
import { AccessPolicy } from "./access.ts";
import { Client } from "./client.ts";
import type { Message } from "./message.ts";
import { isExpired } from "./message.ts";
import { OutgoingPublish } from "./outgoing.ts";
import { ReasonCode } from "./reason_codes.ts";
import { RetainedStore } from "./retained_store.ts";
import type { Session, Subscription } from "./session.ts";
import type { BrokerStats } from "./stats.ts";
import { StatsCounters } from "./stats.ts";
import { TopicTree } from "./topic_tree.ts";
import type { Transport } from "./transport.ts";

const logger = getLogger(["spoke", "broker"]);

/** Broker settings with every default filled in. */
export interface ResolvedBrokerOptions {
  readonly hostname: string;
  readonly port: number;
  readonly maxPacketSize: number;
  readonly connectTimeoutMs: number;
  readonly protectedTopics: readonly string[];
  readonly maxQueuedBytes: number;
}

/** Where one routed message goes for one session: the strongest of its matching subscriptions. */
interface Target {
  qos: 0 | 1;
  retainAsPublished: boolean;
  subscriptionIds: number[] | undefined;
}

/**
 * The broker's shared state and the operations handlers call: the connected clients by id, the
 * subscription tree, the retained store, the access policy, the counters, and routing. It knows
 * nothing of sockets beyond handing each one to a {@linkcode Client}.
 */
export class BrokerCore {
  readonly options: ResolvedBrokerOptions;
  readonly topicTree: TopicTree<Subscription> = new TopicTree();
  readonly retainedStore: RetainedStore = new RetainedStore();
  readonly access: AccessPolicy;
  readonly stats: StatsCounters = new StatsCounters();
  /** Connected clients (past CONNACK) by client id. */
  readonly #clients: Map<string, Client> = new Map();
  /** Every open connection and the promise of its end. */
  readonly #connections: Map<Client, Promise<void>> = new Map();
  #shuttingDown = false;

  constructor(options: ResolvedBrokerOptions) {
    this.options = options;
    this.access = new AccessPolicy(options.protectedTopics);
  }

  /** Runs one connection to its end; refused at once while shutting down. */
  handleConnection(transport: Transport): Promise<void> {
    if (this.#shuttingDown) {
      try {
        transport.close();
      } catch {
        // The peer may have gone already.
      }
      return Promise.resolve();
    }
    const client = new Client(this, transport);
    const done = client.run().finally(() => this.#connections.delete(client));
    this.#connections.set(client, done);
    return done;
  }

  /** A new id for a client that connected with an empty one [MQTT-3.1.3-6]. */
  assignClientId(): string {
    return `spoke-${crypto.randomUUID()}`;
  }

  /**
   * Makes `client` the holder of its client id. A connection already holding the id is closed
   * first [MQTT-3.1.4-2] (MQTT 5: DISCONNECT 0x8E session taken over), synchronously, so its
   * subscriptions are gone before the new session makes its own.
   */
  register(client: Client): void {
    const existing = this.#clients.get(client.clientId);
    if (existing !== undefined && existing !== client) {
      existing.disconnect(ReasonCode.SessionTakenOver, "session taken over by a new connection");
    }
    this.#clients.set(client.clientId, client);
    this.stats.clientsTotal++;
  }

  /**
   * Detaches a closing client: drops its clean session (subscriptions, in-flight messages) and
   * publishes its will when the connection did not end normally [MQTT-3.1.2-8].
   */
  detach(client: Client, publishWill: boolean): void {
    if (this.#clients.get(client.clientId) === client) this.#clients.delete(client.clientId);
    const session = client.session;
    if (session !== undefined && session.client === client) {
      for (const filter of session.subscriptions.keys()) {
        this.topicTree.remove(filter, session.clientId);
      }
      session.subscriptions.clear();
      session.clear();
      session.client = undefined;
    }
    const will = client.will;
    client.will = undefined;
    if (publishWill && will !== undefined) {
      this.stats.messagesIn++;
      this.route(will);
    }
  }

  /** Adds or replaces a subscription [MQTT-3.8.4-3]; true when the filter is new for the session. */
  subscribe(subscription: Subscription): boolean {
    const session = subscription.session;
    const isNew = !session.subscriptions.has(subscription.filter);
    session.subscriptions.set(subscription.filter, subscription);
    this.topicTree.add(subscription.filter, session.clientId, subscription);
    return isNew;
  }

  /** Removes a subscription; true when it existed. */
  unsubscribe(session: Session, filter: string): boolean {
    if (!session.subscriptions.delete(filter)) return false;
    this.topicTree.remove(filter, session.clientId);
    return true;
  }

  /**
   * Sends the retained messages matching a new subscription, with the retain flag set
   * ([MQTT-3.3.1-8] 3.1.1, [MQTT-3.3.1-9] 5.0), at the lower of the message's and the granted QoS.
   */
  deliverRetained(client: Client, subscription: Subscription): void {
    const nowMs = Date.now();
    const ids = subscription.subscriptionId === undefined
      ? undefined
      : [subscription.subscriptionId];
    for (const message of this.retainedStore.match(subscription.filter, nowMs)) {
      const qos = message.qos < subscription.qos ? message.qos : subscription.qos;
      client.deliver(new OutgoingPublish(message, nowMs), qos, true, ids);
    }
  }

  /**
   * Routes an accepted message: stores or clears it as retained [MQTT-3.3.1-5], then sends one
   * copy to each matching session at the highest QoS of its matching subscriptions, capped by
   * the message's QoS [MQTT-3.3.5-1].
   */
  route(message: Message): void {
    const nowMs = Date.now();
    if (isExpired(message, nowMs)) {
      this.stats.dropped++; // [MQTT-3.3.2-5]
      return;
    }
    if (message.retain) this.retainedStore.set(message);
    const targets = new Map<Session, Target>();
    this.topicTree.match(message.topic, (subscription) => {
      const session = subscription.session;
      // [MQTT-3.8.3-3] No Local: not back to the connection that published it
      if (subscription.noLocal && session.clientId === message.publisherId) return;
      const target = targets.get(session);
      if (target === undefined) {
        targets.set(session, {
          qos: subscription.qos,
          retainAsPublished: subscription.retainAsPublished,
          subscriptionIds: subscription.subscriptionId === undefined
            ? undefined
            : [subscription.subscriptionId],
        });
        return;
      }
      if (subscription.qos > target.qos) target.qos = subscription.qos;
      target.retainAsPublished ||= subscription.retainAsPublished;
      if (subscription.subscriptionId !== undefined) {
        (target.subscriptionIds ??= []).push(subscription.subscriptionId);
      }
    });
    if (targets.size === 0) return;
    const outgoing = new OutgoingPublish(message, nowMs);
    for (const [session, target] of targets) {
      const client = session.client;
      if (client === undefined) continue;
      const qos = message.qos < target.qos ? message.qos : target.qos;
      // [MQTT-3.3.1-9] (3.1.1): forwarded to an existing subscription, the retain flag is 0;
      // [MQTT-3.3.1-12]/[MQTT-3.3.1-13] (5.0): unless Retain As Published keeps it.
      const retain = message.retain && target.retainAsPublished && client.protocolVersion === 5;
      client.deliver(outgoing, qos, retain, target.subscriptionIds);
    }
  }

  /** The counters plus live sizes. */
  snapshot(): BrokerStats {
    this.retainedStore.purgeExpired();
    const { stats } = this;
    return {
      clientsConnected: this.#clients.size,
      clientsTotal: stats.clientsTotal,
      messagesIn: stats.messagesIn,
      messagesOut: stats.messagesOut,
      bytesIn: stats.bytesIn,
      bytesOut: stats.bytesOut,
      retained: this.retainedStore.size,
      subscriptions: this.topicTree.size,
      dropped: stats.dropped,
      protocolErrors: stats.protocolErrors,
    };
  }

  /**
   * Refuses new connections and closes every open one (MQTT 5 clients get DISCONNECT 0x8B);
   * resolves when all are closed.
   */
  async shutdown(): Promise<void> {
    this.#shuttingDown = true;
    const open = [...this.#connections];
    logger.debug("closing {count} connections", { count: open.length });
    for (const [client] of open) {
      client.disconnect(ReasonCode.ServerShuttingDown, "server shutting down", false);
    }
    await Promise.all(open.map(([, done]) => done));
  }
}
