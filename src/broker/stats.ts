/**
 * Counters of a broker; a snapshot of them plus live sizes.
 *
 * @example
 * ```ts
 * import { Broker, type BrokerStats } from "./mod.ts";
 *
 * const broker = new Broker({ port: 0 });
 * const stats: BrokerStats = broker.stats();
 * console.log(stats.clientsConnected, stats.protocolErrors); // 0 0
 * ```
 */
export interface BrokerStats {
  /** Clients past CONNACK right now. */
  clientsConnected: number;
  /** Clients accepted (CONNACK 0) since the broker started. */
  clientsTotal: number;
  /** Application messages received: PUBLISH packets from clients plus in-process publishes. */
  messagesIn: number;
  /** PUBLISH packets sent to clients. */
  messagesOut: number;
  /** Bytes read from client connections. */
  bytesIn: number;
  /** Bytes written to client connections. */
  bytesOut: number;
  /** Topics holding a retained message. */
  retained: number;
  /** Subscriptions held (one per client and topic filter). */
  subscriptions: number;
  /** Sessions held, connected or waiting for their client to return. */
  sessions: number;
  /** Messages waiting in session queues (client away, or its Receive Maximum window full). */
  queued: number;
  /**
   * Messages not delivered on purpose: publishes denied by the access rules, messages over a
   * client's queue or packet size limits (including a session queue's high-water marks), and
   * messages that expired before delivery.
   */
  dropped: number;
  /** Connections closed for breaking the protocol (malformed, oversize, out of order, …). */
  protocolErrors: number;
  /** Connections closed at once because `maxConnections` were open. */
  refusedConnections: number;
}

/** The running counters behind {@linkcode BrokerStats}. */
export class StatsCounters {
  clientsTotal = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  dropped = 0;
  protocolErrors = 0;
  refusedConnections = 0;
}
