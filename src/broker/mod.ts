/**
 * Spoke's embedded MQTT broker: MQTT 3.1.1 and 5.0 over TCP (and any transport handed to
 * {@linkcode Broker.handleConnection}), QoS 0 and 1, retained messages with expiry, keep-alive,
 * session takeover, and access rules that keep `network/#` and `$SYS/#` for the process itself.
 * It knows nothing of bikes: the publisher decides topics and payloads.
 *
 * Inside: `broker.ts` (this API) over `broker_core.ts` (clients, routing), `client.ts` (one
 * connection: read loop, write queue, timers), `handlers/` (one file per control packet behind
 * `dispatch.ts`), `topic_tree.ts`, `retained_store.ts`, `codec.ts` (mqtt-packet).
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
