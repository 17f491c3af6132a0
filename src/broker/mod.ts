/**
 * Spoke's embedded MQTT broker: MQTT 3.1.1 and 5.0 over TCP, WebSocket
 * ({@linkcode Broker.upgradeWebSocket}) and any transport handed to
 * {@linkcode Broker.handleConnection}. QoS 0/1/2 both ways, persistent sessions with redelivery
 * and offline queues (high-water marks in messages and bytes), retained messages, wills with
 * delay, topic aliases, shared subscriptions, subscription identifiers, `$SYS/broker/...`,
 * password files and ACLs, limits, and SQLite persistence. Access rules keep `network/#` and
 * `$SYS/#` for the process itself. It knows nothing of bikes: the publisher decides topics and
 * payloads.
 *
 * Inside: `broker.ts` (this API) over `broker_core.ts` (sessions, routing), `client.ts` (one
 * connection: read loop, write queue, timers), `session.ts`, `handlers/` (one file per control
 * packet behind `dispatch.ts`), `topic_tree.ts`, `retained_store.ts`, `access.ts` + `acl.ts` +
 * `password_file.ts`, `persistence.ts` (node:sqlite), `sys_topics.ts`, `websocket_transport.ts`,
 * `codec.ts` (mqtt-packet).
 *
 * @example Run a broker and publish a retained message to it
 * ```ts
 * import { Broker } from "./mod.ts";
 *
 * const broker = new Broker({ port: 0 });
 * await broker.listen();
 * broker.publish({ topic: "network/gbfs/demo/update", payload: "{}", retain: true });
 * console.log(broker.stats().retained); // 1
 * await broker.close();
 * ```
 *
 * @module
 */

export { Broker } from "./broker.ts";
export type { BrokerMessage, BrokerOptions } from "./broker.ts";
export type { BrokerStats } from "./stats.ts";
export type { Transport } from "./transport.ts";
export { ProtocolError } from "./errors.ts";
export { topicMatches } from "./topic_tree.ts";
export { AclError } from "./acl.ts";
export { PasswordFileError, updatePasswordFile } from "./password_file.ts";
export { brokerOptionsFromSettings } from "./settings.ts";
export { PersistenceError } from "./persistence.ts";
export type { BrokerSettings } from "./settings.ts";
export type { QueuePolicy } from "./session.ts";
export type { SubscribeDeniedReason } from "./broker_core.ts";
