import type { BrokerMessage } from "../broker/mod.ts";
import type { Network } from "../scrape/mod.ts";

/** The topic of a network's updates: `network/<class>/<tag>/update`, lower-case. */
export function networkTopic(cls: string, tag: string): string {
  return `network/${cls.toLowerCase()}/${tag.toLowerCase()}/update`;
}

/**
 * A network snapshot as an MQTT message: retained so late subscribers get the
 * current state at once, with an expiry so data from a dead scraper ages out
 * for MQTT 5 subscribers.
 */
export function networkMessage(
  cls: string,
  network: Network,
  options: { staleAfterS: number },
): BrokerMessage {
  return {
    topic: networkTopic(cls, network.tag),
    payload: JSON.stringify(network),
    qos: 1,
    retain: true,
    properties: {
      contentType: "application/json",
      payloadFormatIndicator: true,
      messageExpiryInterval: Math.max(1, Math.round(options.staleAfterS)),
    },
  };
}
