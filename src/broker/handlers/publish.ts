import type { IPublishPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import { ProtocolError } from "../errors.ts";
import { createMessage } from "../message.ts";
import { ReasonCode } from "../reason_codes.ts";
import { topicNameProblem } from "../topic_names.ts";

/**
 * PUBLISH from a client: resolve a topic alias, validate, apply the access rules, route, and
 * acknowledge: QoS 1 with PUBACK [MQTT-4.3.2-4], QoS 2 with PUBREC [MQTT-4.3.3-8]. A QoS 2
 * message is routed when it first arrives (method A of §4.3.3) and its packet id kept until
 * PUBREL, so a resent PUBLISH (DUP) is acknowledged again but not routed twice [MQTT-4.3.3-9].
 */
export function handlePublish(client: Client, packet: IPublishPacket): void {
  const core = client.core;
  const session = client.session!;
  const qos = packet.qos;
  const packetId = packet.messageId;
  // [MQTT-2.3.1-1] a QoS > 0 PUBLISH carries a non-zero packet identifier
  if (qos > 0 && !packetId) {
    throw new ProtocolError(`QoS ${qos} PUBLISH with packet identifier 0`);
  }
  const properties = packet.properties;
  // [MQTT-3.3.4-6] a PUBLISH from a client must not carry a Subscription Identifier
  if (properties?.subscriptionIdentifier !== undefined) {
    throw new ProtocolError("PUBLISH from a client carries a subscription identifier");
  }
  const topic = resolveTopicAlias(client, packet.topic, properties?.topicAlias);
  // [MQTT-3.3.2-2] no wildcards in a topic name; [MQTT-4.7.3-1] not empty
  const problem = topicNameProblem(topic) ?? core.topicLimitProblem(topic);
  if (problem !== undefined) throw new ProtocolError(problem, ReasonCode.TopicNameInvalid);

  if (qos === 2 && session.incomingQos2.has(packetId!)) {
    // A resend of a message already received: acknowledge, do not route again.
    client.send({ cmd: "pubrec", messageId: packetId });
    return;
  }
  // [MQTT-3.3.4-8] no more unreleased QoS 2 messages than the Receive Maximum we announced
  if (qos === 2 && session.incomingQos2.size >= core.options.maxInflight) {
    throw new ProtocolError(
      `more than ${core.options.maxInflight} QoS 2 messages awaiting PUBREL`,
      ReasonCode.ReceiveMaximumExceeded,
    );
  }

  core.stats.messagesIn++;
  if (!core.access.mayPublish(client, topic)) {
    core.stats.dropped++;
    if (qos > 0) {
      const cmd = qos === 1 ? "puback" : "pubrec";
      if (client.protocolVersion === 5) {
        client.send({
          cmd,
          messageId: packetId,
          reasonCode: ReasonCode.NotAuthorized,
          ...(client.wantsProblemInformation
            ? { properties: { reasonString: `not authorized to publish to "${topic}"` } }
            : {}),
        });
      } else {
        // [MQTT-3.3.5-2] 3.1.1 cannot say "not authorized": acknowledge as usual, drop the message.
        if (qos === 2) session.incomingQos2.add(packetId!);
        session.dirty = true;
        client.send({ cmd, messageId: packetId });
      }
    }
    return;
  }

  core.route(createMessage({
    topic,
    payload: packet.payload,
    qos,
    retain: packet.retain,
    properties,
    // A retained one then costs no second copy of its payload (a thousand 4 KiB ones, 4 MB).
    payloadOwned: true,
  }, client.clientId));
  if (qos === 1) {
    client.send({ cmd: "puback", messageId: packetId, reasonCode: ReasonCode.Success });
  } else if (qos === 2) {
    session.incomingQos2.add(packetId!);
    session.dirty = true;
    client.send({ cmd: "pubrec", messageId: packetId, reasonCode: ReasonCode.Success });
  }
}

/**
 * The topic a PUBLISH is for, given its Topic Alias (§3.3.2.3.4): a topic name with an alias
 * sets the alias up, an empty topic name uses it. Aliases are per connection [MQTT-3.3.2-7].
 */
function resolveTopicAlias(client: Client, topic: string, alias: number | undefined): string {
  if (alias === undefined) return topic;
  const maximum = client.core.options.topicAliasMaximum;
  // [MQTT-3.3.2-8]/[MQTT-3.3.2-9] an alias of 0 or above our Topic Alias Maximum is invalid
  if (alias === 0 || alias > maximum) {
    throw new ProtocolError(
      `topic alias ${alias} outside 1..${maximum} (the Topic Alias Maximum)`,
      ReasonCode.TopicAliasInvalid,
    );
  }
  if (topic.length > 0) {
    client.topicAliasesIn.set(alias, topic);
    return topic;
  }
  const known = client.topicAliasesIn.get(alias);
  if (known === undefined) {
    throw new ProtocolError(`topic alias ${alias} used before it was set up`);
  }
  return known;
}
