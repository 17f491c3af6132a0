import type { IPublishPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ProtocolError } from "../errors.ts";
import { createMessage } from "../message.ts";
import { ReasonCode } from "../reason_codes.ts";
import { topicNameProblem } from "../topic_names.ts";

/**
 * PUBLISH from a client: validate, apply the access rules, route, and acknowledge QoS 1 with
 * PUBACK [MQTT-3.3.4-1].
 */
export function handlePublish(client: Client, packet: IPublishPacket): void {
  const core = client.core;
  if (packet.qos === 2) {
    // CONNACK said Maximum QoS 1; a QoS 2 PUBLISH is answered with DISCONNECT 0x9B
    // (§3.2.2.3.4). A 3.1.1 client was never told, but the broker cannot take it either.
    throw new ProtocolError(
      "QoS 2 PUBLISH is not supported (maximum QoS 1)",
      ReasonCode.QosNotSupported,
    );
  }
  // [MQTT-2.3.1-1] a QoS > 0 PUBLISH carries a non-zero packet identifier
  if (packet.qos === 1 && !packet.messageId) {
    throw new ProtocolError("QoS 1 PUBLISH with packet identifier 0");
  }
  const properties = packet.properties;
  if (properties?.topicAlias !== undefined) {
    // CONNACK left Topic Alias Maximum at 0, so any alias is invalid (§3.2.2.3.8).
    throw new ProtocolError(
      "topic alias used but Topic Alias Maximum is 0",
      ReasonCode.TopicAliasInvalid,
    );
  }
  // [MQTT-3.3.4-6] a PUBLISH from a client must not carry a Subscription Identifier
  if (properties?.subscriptionIdentifier !== undefined) {
    throw new ProtocolError("PUBLISH from a client carries a subscription identifier");
  }
  // [MQTT-3.3.2-2] no wildcards in a topic name; [MQTT-4.7.3-1] not empty
  const problem = topicNameProblem(packet.topic);
  if (problem !== undefined) throw new ProtocolError(problem, ReasonCode.TopicNameInvalid);

  core.stats.messagesIn++;
  if (!core.access.mayPublish(client, packet.topic)) {
    core.stats.dropped++;
    if (packet.qos === 1) {
      if (client.protocolVersion === 5) {
        client.send({
          cmd: "puback",
          messageId: packet.messageId,
          reasonCode: ReasonCode.NotAuthorized,
          ...(client.wantsProblemInformation
            ? { properties: { reasonString: `topic "${packet.topic}" is protected` } }
            : {}),
        });
      } else {
        // [MQTT-3.3.5-2] 3.1.1 cannot say "not authorized": acknowledge as usual, drop the message.
        client.send({ cmd: "puback", messageId: packet.messageId });
      }
    }
    return;
  }

  core.route(createMessage({
    topic: packet.topic,
    payload: packet.payload,
    qos: packet.qos,
    retain: packet.retain,
    properties,
  }, client.clientId));
  if (packet.qos === 1) {
    client.send({ cmd: "puback", messageId: packet.messageId, reasonCode: ReasonCode.Success });
  }
}
