/**
 * Publishing: a network snapshot becomes a retained MQTT message on
 * `network/<class>/<tag>/update` with a JSON payload.
 *
 * @example
 * ```ts
 * import { networkTopic } from "./mod.ts";
 * console.log(networkTopic("GBFS", "Citi-Bike-NYC")); // network/gbfs/citi-bike-nyc/update
 * ```
 * @module
 */
export { networkMessage, networkTopic } from "./network_message.ts";
export { Publisher } from "./publisher.ts";
export type { MessageSink } from "./publisher.ts";
export { ExternalBroker, redactedUrl } from "./external_broker.ts";
export type { ExternalBrokerOptions, ExternalBrokerStats } from "./external_broker.ts";
