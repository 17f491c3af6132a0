import { getLogger } from "@logtape/logtape";
import { AccessPolicy } from "./access.ts";
import type { AclRules } from "./acl.ts";
import type { PasswordEntry } from "./password_file.ts";
import { Client } from "./client.ts";
import type { Message } from "./message.ts";
import { isExpired } from "./message.ts";
import { OutgoingPublish } from "./outgoing.ts";
import { ReasonCode } from "./reason_codes.ts";
import { RetainedStore } from "./retained_store.ts";
import { RouteTargets } from "./_route_targets.ts";
import type { Qos, QueueLimits, QueuePolicy, Subscription } from "./session.ts";
import { Session, SESSION_NEVER_EXPIRES } from "./session.ts";
import type { StoredSession } from "./persistence.ts";
import type { BrokerStats } from "./stats.ts";
import { StatsCounters } from "./stats.ts";
import { TopicTree } from "./topic_tree.ts";
import { DeadlineSweep } from "./deadline_sweep.ts";
import type { Transport } from "./transport.ts";

const logger = getLogger(["spoke", "broker"]);

/**
 * What MQTT 5 clients are told when the ACL denies a subscription: `"not-authorized"` (0x87) says
 * why; `"unspecified"` (0x80) does not reveal that the topic is protected.
 */
export type SubscribeDeniedReason = "not-authorized" | "unspecified";

/** Broker settings with every default filled in. */
export interface ResolvedBrokerOptions {
  readonly hostname: string;
  readonly port: number;
  readonly maxPacketSize: number;
  readonly connectTimeoutMs: number;
  readonly protectedTopics: readonly string[];
  readonly maxQueuedBytes: number;
  readonly maxInflight: number;
  readonly maxSessionQueuedMessages: number;
  readonly maxSessionQueuedBytes: number;
  readonly queuePolicy: QueuePolicy;
  readonly maxKeepAliveSeconds: number;
  readonly topicAliasMaximum: number;
  readonly sysIntervalSeconds: number;
  readonly maxConnections: number;
  readonly maxTopicLength: number;
  readonly maxTopicLevels: number;
  readonly maxSubscriptionsPerClient: number;
  readonly allowAnonymous: boolean;
  readonly passwords: ReadonlyMap<string, PasswordEntry> | undefined;
  readonly acl: AclRules | undefined;
  readonly subscribeDeniedReason: SubscribeDeniedReason;
}

/** What {@linkcode BrokerCore.openSession} hands the CONNECT handler. */
export interface OpenedSession {
  readonly session: Session;
  /** Whether an earlier session was resumed (CONNACK Session Present) [MQTT-3.2.2-2]. */
  readonly present: boolean;
}

/** The longest single timer: longer waits are re-armed in steps (setTimeout takes 2^31-1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The broker's shared state and the operations handlers call: the sessions and connected
 * clients by id, the subscription tree, the retained store, the access policy, the counters, and
 * routing. It knows nothing of sockets beyond handing each one to a {@linkcode Client}.
 */
export class BrokerCore {
  readonly options: ResolvedBrokerOptions;
  readonly topicTree: TopicTree<Subscription> = new TopicTree();
  readonly retainedStore: RetainedStore = new RetainedStore();
  readonly access: AccessPolicy;
  readonly stats: StatsCounters = new StatsCounters();
  /** The CONNECT timeouts and keep-alives of every connection, on one timer. */
  readonly deadlines: DeadlineSweep = new DeadlineSweep();
  readonly queueLimits: QueueLimits;
  /** Connected clients (past CONNACK) by client id. */
  readonly #clients: Map<string, Client> = new Map();
  /** Every session, connected or not, by client id. */
  readonly #sessions: Map<string, Session> = new Map();
  /** Every open connection and the promise of its end. */
  readonly #connections: Map<Client, Promise<void>> = new Map();
  /** Round-robin position per shared subscription group. */
  readonly #shareCursor: Map<string, number> = new Map();
  #shuttingDown = false;
  /** Retained topics and ended sessions not yet saved by persistence. */
  readonly #dirtyRetained: Set<string> = new Set();
  readonly #endedSessions: Set<string> = new Set();
  /** The packet id last offered to every subscriber of a routed message (1 to 65,535). */
  #lastPreferredPacketId = 0;

  constructor(options: ResolvedBrokerOptions) {
    this.options = options;
    this.access = new AccessPolicy(options);
    this.queueLimits = {
      maxMessages: options.maxSessionQueuedMessages,
      maxBytes: options.maxSessionQueuedBytes,
      policy: options.queuePolicy,
    };
  }

  /**
   * Runs one connection to its end; refused at once while shutting down or when
   * `maxConnections` are open already (counted in `refusedConnections`).
   */
  handleConnection(transport: Transport): Promise<void> {
    const full = this.#connections.size >= this.options.maxConnections;
    if (full) this.stats.refusedConnections++;
    if (this.#shuttingDown || full) {
      try {
        transport.close();
      } catch {
        // The peer may have gone already.
      }
      return Promise.resolve();
    }
    const client = new Client(this, transport);
    // The client says when it is done (connectionEnded): no `finally` closure per connection.
    const done = client.run();
    this.#connections.set(client, done);
    return done;
  }

  /** The last thing a client's `run` does: it is no longer an open connection. */
  connectionEnded(client: Client): void {
    this.#connections.delete(client);
  }

  /**
   * Why `topic` (a name or filter) exceeds the length or level limits, or `undefined`. Checked
   * after the spec's own rules, so the limits only narrow what is valid.
   */
  topicLimitProblem(topic: string): string | undefined {
    const { maxTopicLength, maxTopicLevels } = this.options;
    // Cheap first: a string of n UTF-16 units has at least n and at most 3n UTF-8 bytes.
    if (topic.length * 3 > maxTopicLength && utf8Length(topic) > maxTopicLength) {
      return `topic "${topic.slice(0, 40)}…" is longer than ${maxTopicLength} bytes`;
    }
    let levels = 1;
    for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 0x2f) levels++;
    if (levels > maxTopicLevels) {
      return `topic "${topic.slice(0, 40)}…" has ${levels} levels, more than ${maxTopicLevels}`;
    }
    return undefined;
  }

  /** A new id for a client that connected with an empty one [MQTT-3.1.3-6]. */
  assignClientId(): string {
    return `spoke-${crypto.randomUUID()}`;
  }

  /** The session of `clientId`, connected or not. */
  session(clientId: string): Session | undefined {
    return this.#sessions.get(clientId);
  }

  /**
   * Makes `client` the holder of its client id and gives it a session. A connection already
   * holding the id is closed first [MQTT-3.1.4-2] (MQTT 5: DISCONNECT 0x8E session taken over),
   * synchronously, so it is detached before the session is handed on. Clean start discards an
   * existing session [MQTT-3.1.2-4]; otherwise it is resumed [MQTT-3.1.2-5], which cancels its
   * expiry and any will still waiting out its delay [MQTT-3.1.3-9].
   */
  openSession(
    client: Client,
    cleanStart: boolean,
    expiryIntervalSeconds: number,
  ): OpenedSession {
    const clientId = client.clientId;
    const existing = this.#clients.get(clientId);
    if (existing !== undefined && existing !== client) {
      existing.disconnect(ReasonCode.SessionTakenOver, "session taken over by a new connection");
    }
    let session = this.#sessions.get(clientId);
    if (session !== undefined && cleanStart) {
      this.endSession(session);
      session = undefined;
    }
    const present = session !== undefined;
    if (session === undefined) {
      session = new Session(clientId, this.queueLimits);
      this.#sessions.set(clientId, session);
    } else {
      session.clearTimers();
      session.delayedWill = undefined;
    }
    session.expiryIntervalSeconds = expiryIntervalSeconds;
    session.username = client.username;
    session.detachedAtMs = undefined;
    session.dirty = true;
    this.#clients.set(clientId, client);
    this.stats.clientsTotal++;
    return { session, present };
  }

  /**
   * Detaches a closing client. A session with a Session Expiry Interval of 0 ends now; a longer
   * one waits for its client to return, and ends when the interval passes [MQTT-3.1.2-23]. The
   * will goes when the connection did not end normally [MQTT-3.1.2-8]: at once, or after its
   * Will Delay Interval or when the session ends, whichever comes first (§3.1.3.2.2).
   */
  detach(client: Client, publishWill: boolean): void {
    if (this.#clients.get(client.clientId) === client) this.#clients.delete(client.clientId);
    const will = client.will;
    client.will = undefined;
    const session = client.session;
    if (session === undefined || session.client !== client) {
      if (publishWill && will !== undefined) this.#publishWill(will);
      return;
    }
    session.client = undefined;
    session.detachedAtMs = Date.now();
    session.dirty = true;
    const willDelaySeconds = client.willDelaySeconds;
    if (publishWill && will !== undefined) {
      if (willDelaySeconds === 0 || session.expiryIntervalSeconds === 0) {
        this.#publishWill(will);
      } else {
        session.delayedWill = will;
        if (willDelaySeconds < session.expiryIntervalSeconds) {
          session.willTimer = setTimeout(() => {
            session.willTimer = undefined;
            const delayed = session.delayedWill;
            session.delayedWill = undefined;
            if (delayed !== undefined) this.#publishWill(delayed);
          }, willDelaySeconds * 1000);
        }
      }
    }
    if (session.expiryIntervalSeconds === 0) {
      this.endSession(session);
    } else if (session.expiryIntervalSeconds !== SESSION_NEVER_EXPIRES) {
      this.#armExpiry(session, Date.now() + session.expiryIntervalSeconds * 1000);
    }
  }

  /**
   * Ends a session: its subscriptions, in-flight and queued messages go, and a will still
   * waiting out its delay is published now (§3.1.3.2.2).
   */
  endSession(session: Session): void {
    if (this.#sessions.get(session.clientId) === session) {
      this.#sessions.delete(session.clientId);
      this.#endedSessions.add(session.clientId);
    }
    for (const subscription of session.subscriptions.values()) {
      this.topicTree.remove(subscription.matchFilter, treeKey(subscription));
    }
    session.subscriptions.clear();
    session.clear();
    session.clearTimers();
    const will = session.delayedWill;
    session.delayedWill = undefined;
    if (will !== undefined) this.#publishWill(will);
  }

  /** Adds or replaces a subscription [MQTT-3.8.4-3]; true when the filter is new for the session. */
  subscribe(subscription: Subscription): boolean {
    const session = subscription.session;
    const isNew = !session.subscriptions.has(subscription.filter);
    session.dirty = true;
    session.subscriptions.set(subscription.filter, subscription);
    this.topicTree.add(subscription.matchFilter, treeKey(subscription), subscription);
    return isNew;
  }

  /** Removes a subscription; true when it existed. */
  unsubscribe(session: Session, filter: string): boolean {
    const subscription = session.subscriptions.get(filter);
    if (subscription === undefined) return false;
    session.subscriptions.delete(filter);
    session.dirty = true;
    this.topicTree.remove(subscription.matchFilter, treeKey(subscription));
    return true;
  }

  /**
   * Sends the retained messages matching a new subscription [MQTT-3.8.4-4], unexpired ones only
   * [MQTT-3.3.2-5] (see `Client.sendRetained`).
   */
  deliverRetained(client: Client, subscription: Subscription): void {
    const nowMs = Date.now();
    const ids = subscription.subscriptionId === undefined
      ? undefined
      : [subscription.subscriptionId];
    const messages = this.retainedStore.match(subscription.filter, nowMs);
    client.sendRetained(messages, subscription.qos, ids, nowMs);
  }

  /**
   * Routes an accepted message: stores or clears it as retained [MQTT-3.3.1-5], then sends one
   * copy to each matching session at the highest QoS of its matching subscriptions, capped by
   * the message's QoS [MQTT-3.3.5-1], and one copy to one member of each matching shared
   * subscription group (§4.8.2). Sessions whose client is away get QoS 1 and 2 messages queued.
   */
  route(message: Message): void {
    const nowMs = Date.now();
    if (isExpired(message, nowMs)) {
      this.stats.dropped++; // [MQTT-3.3.2-5]
      return;
    }
    if (message.retain) {
      this.retainedStore.set(message);
      this.#dirtyRetained.add(message.topic);
    }
    const targets = new RouteTargets();
    let groups: Map<string, Subscription[]> | undefined;
    this.topicTree.match(message.topic, (subscription) => {
      if (subscription.shareGroup !== undefined) {
        groups ??= new Map();
        const key = `${subscription.shareGroup}\u0000${subscription.matchFilter}`;
        const members = groups.get(key);
        if (members === undefined) groups.set(key, [subscription]);
        else members.push(subscription);
        return;
      }
      // [MQTT-3.8.3-3] No Local: not back to the connection that published it
      if (subscription.noLocal && subscription.session.clientId === message.publisherId) return;
      targets.add(subscription);
    });
    if (groups !== undefined) {
      for (const [key, members] of groups) {
        const chosen = this.#chooseShareMember(key, members);
        const ids = chosen.subscriptionId === undefined ? undefined : [chosen.subscriptionId];
        this.#deliverTo(chosen.session, message, nowMs, chosen.qos, chosen.retainAsPublished, ids);
      }
    }
    if (targets.size === 0) return;
    // One id for every subscriber, so that they can all be sent the same bytes; a session that
    // has it in flight still (65,535 messages ago) takes another.
    let preferredPacketId = 0;
    if (message.qos > 0) {
      preferredPacketId = this.#lastPreferredPacketId >= 65_535
        ? 1
        : this.#lastPreferredPacketId + 1;
      this.#lastPreferredPacketId = preferredPacketId;
    }
    const outgoing = OutgoingPublish.of(message, nowMs, preferredPacketId);
    targets.forEach((session, qos, retainAsPublished, subscriptionIds) => {
      this.#deliverTo(session, message, nowMs, qos, retainAsPublished, subscriptionIds, outgoing);
    });
  }

  #deliverTo(
    session: Session,
    message: Message,
    nowMs: number,
    grantedQos: Qos,
    retainAsPublished: boolean,
    subscriptionIds: readonly number[] | undefined,
    outgoing?: OutgoingPublish,
  ): void {
    // With an ACL, a subscription wider than the client's read rules gets only what they allow.
    if (this.access.checksDelivery && !this.access.mayReceive(session, message.topic)) return;
    const qos = message.qos < grantedQos ? message.qos : grantedQos;
    const client = session.client;
    if (client === undefined) {
      // [MQTT-3.1.2-5] a persistent session keeps QoS 1 and 2 messages while its client is away
      if (qos === 0) return;
      this.stats.dropped += session.enqueue({
        message,
        qos,
        retain: message.retain && retainAsPublished,
        subscriptionIds,
      });
      return;
    }
    // [MQTT-3.3.1-9] (3.1.1): forwarded to an existing subscription, the retain flag is 0;
    // [MQTT-3.3.1-12]/[MQTT-3.3.1-13] (5.0): unless Retain As Published keeps it.
    const retain = message.retain && retainAsPublished && client.protocolVersion === 5;
    client.deliver(
      outgoing ?? OutgoingPublish.of(message, nowMs),
      qos,
      retain,
      subscriptionIds,
    );
  }

  /** One member of a shared subscription group, round robin, preferring connected ones. */
  #chooseShareMember(key: string, members: Subscription[]): Subscription {
    const start = (this.#shareCursor.get(key) ?? 0) % members.length;
    this.#shareCursor.set(key, start + 1);
    for (let i = 0; i < members.length; i++) {
      const member = members[(start + i) % members.length]!;
      if (member.session.client !== undefined) return member;
    }
    return members[start]!;
  }

  #publishWill(will: Message): void {
    this.stats.messagesIn++;
    this.route(will);
  }

  #armExpiry(session: Session, atMs: number): void {
    const waitMs = Math.max(0, atMs - Date.now());
    session.expiryTimer = setTimeout(() => {
      session.expiryTimer = undefined;
      if (session.client !== undefined) return;
      if (Date.now() < atMs) this.#armExpiry(session, atMs);
      else this.endSession(session);
    }, Math.min(waitMs, MAX_TIMER_MS));
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
      sessions: this.#sessions.size,
      queued: [...this.#sessions.values()].reduce((sum, session) => sum + session.queuedCount, 0),
      dropped: stats.dropped,
      protocolErrors: stats.protocolErrors,
      refusedConnections: stats.refusedConnections,
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
    // Persistent sessions stay (for persistence to save); only their timers must stop.
    for (const session of this.#sessions.values()) session.clearTimers();
    this.deadlines.clear();
  }

  /**
   * Rebuilds a session saved by persistence: subscriptions back in the tree, in-flight and
   * queued messages in order; its expiry runs from when its client left (or from now, when the
   * broker stopped while it was connected). An expired one is dropped.
   */
  restoreSession(stored: StoredSession, nowMs: number = Date.now()): void {
    const expiresAtMs = stored.expiryIntervalSeconds === SESSION_NEVER_EXPIRES
      ? undefined
      : stored.detachedAtMs + stored.expiryIntervalSeconds * 1000;
    if (expiresAtMs !== undefined && expiresAtMs <= nowMs) {
      this.#endedSessions.add(stored.clientId);
      return;
    }
    const session = new Session(stored.clientId, this.queueLimits);
    session.username = stored.username;
    session.expiryIntervalSeconds = stored.expiryIntervalSeconds;
    session.detachedAtMs = stored.detachedAtMs;
    for (const subscription of stored.subscriptions) this.subscribe({ ...subscription, session });
    for (const { packetId, ...entry } of stored.inflight) session.inflight.set(packetId, entry);
    for (const entry of stored.queued) session.enqueue(entry);
    for (const packetId of stored.incomingQos2) session.incomingQos2.add(packetId);
    session.dirty = false;
    this.#sessions.set(stored.clientId, session);
    if (expiresAtMs !== undefined) this.#armExpiry(session, expiresAtMs);
  }

  /** Puts a retained message saved by persistence back, unless it has expired. */
  restoreRetained(message: Message, nowMs: number = Date.now()): void {
    if (isExpired(message, nowMs)) this.#dirtyRetained.add(message.topic);
    else this.retainedStore.set(message);
  }

  /**
   * What changed since the last call, for persistence: retained topics (the message, or
   * `undefined` for a deleted one) and sessions (their state, or `undefined` for an ended one or
   * one that no longer outlives its connection).
   */
  takeChanges(nowMs: number = Date.now()): {
    retained: Map<string, Message | undefined>;
    sessions: Map<string, StoredSession | undefined>;
  } {
    const retained = new Map<string, Message | undefined>();
    for (const topic of this.#dirtyRetained) retained.set(topic, this.retainedStore.get(topic));
    this.#dirtyRetained.clear();
    const sessions = new Map<string, StoredSession | undefined>();
    for (const clientId of this.#endedSessions) sessions.set(clientId, undefined);
    this.#endedSessions.clear();
    for (const session of this.#sessions.values()) {
      if (!session.dirty) continue;
      session.dirty = false;
      if (session.expiryIntervalSeconds === 0) {
        sessions.set(session.clientId, undefined);
        continue;
      }
      sessions.set(session.clientId, {
        clientId: session.clientId,
        username: session.username,
        expiryIntervalSeconds: session.expiryIntervalSeconds,
        detachedAtMs: session.detachedAtMs ?? nowMs,
        subscriptions: [...session.subscriptions.values()].map(({ session: _, ...rest }) => rest),
        inflight: [...session.inflight].map(([packetId, entry]) => ({ ...entry, packetId })),
        queued: session.queued(),
        incomingQos2: [...session.incomingQos2],
      });
    }
    return { retained, sessions };
  }

  /** Marks the changes of a batch that could not be saved as unsaved again. */
  restoreChanges(
    retained: ReadonlyMap<string, unknown>,
    sessions: ReadonlyMap<string, unknown>,
  ): void {
    for (const topic of retained.keys()) this.#dirtyRetained.add(topic);
    for (const clientId of sessions.keys()) {
      const session = this.#sessions.get(clientId);
      if (session === undefined) this.#endedSessions.add(clientId);
      else session.dirty = true;
    }
  }

  /** Every session, connected or not. */
  sessions(): IterableIterator<Session> {
    return this.#sessions.values();
  }
}

/** A subscription's key in the topic tree: one entry per session, and per share group. */
function treeKey(subscription: Subscription): string {
  return subscription.shareGroup === undefined
    ? subscription.session.clientId
    : `${subscription.session.clientId}\u0000${subscription.shareGroup}`;
}

const utf8 = new TextEncoder();

function utf8Length(text: string): number {
  return utf8.encode(text).byteLength;
}
