import type { IConnackPacket, IConnectPacket } from "mqtt-packet";
import type { Client } from "../client.ts";
import type { ProtocolVersion } from "../codec.ts";
import { MQTT_MAX_PACKET_BYTES } from "../codec.ts";
import type { Message } from "../message.ts";
import { createMessage } from "../message.ts";
import { ConnackReturnCode, ReasonCode } from "../reason_codes.ts";
import { Session } from "../session.ts";
import { topicNameProblem } from "../topic_names.ts";

/** A CONNECT refusal: the code for each protocol version and why. */
interface Refusal {
  readonly v4: number;
  readonly v5: number;
  readonly reason: string;
}

/**
 * CONNECT: checks the protocol, the client id, the will and the MQTT 5 properties, takes the
 * client id over from an older connection, and answers CONNACK. A refused CONNECT gets CONNACK
 * with a failure code and the connection closes [MQTT-3.2.2-5].
 */
export function handleConnect(client: Client, packet: IConnectPacket): void {
  const version = packet.protocolVersion;
  // [MQTT-3.1.2-1] the protocol name is "MQTT"; [MQTT-3.1.2-2] the level must be supported
  // (3.1.1 or 5), otherwise CONNACK 0x01 (3.1.1) / 0x84 (5) and close.
  if ((version !== 4 && version !== 5) || packet.protocolId !== "MQTT") {
    const reason = `unsupported protocol ${packet.protocolId} level ${version}`;
    refuse(client, version === 5 ? 5 : 4, {
      v4: ConnackReturnCode.UnacceptableProtocolVersion,
      v5: ReasonCode.UnsupportedProtocolVersion,
      reason,
    });
    return;
  }
  client.protocolVersion = version;
  const properties = packet.properties ?? {};

  if (version === 5) {
    // No enhanced authentication is offered, so any method is unknown [MQTT-4.12.0-1].
    if (properties.authenticationMethod !== undefined) {
      return refuse(client, version, {
        v4: ConnackReturnCode.NotAuthorized,
        v5: ReasonCode.BadAuthenticationMethod,
        reason: `authentication method "${properties.authenticationMethod}" is not supported`,
      });
    }
    // A Receive Maximum or Maximum Packet Size of 0 is a protocol error (§3.1.2.11.3/4).
    if (properties.receiveMaximum === 0 || properties.maximumPacketSize === 0) {
      return refuse(client, version, {
        v4: ConnackReturnCode.ServerUnavailable,
        v5: ReasonCode.ProtocolError,
        reason: "receiveMaximum and maximumPacketSize must not be 0",
      });
    }
  }

  let clientId = packet.clientId;
  let assignedClientId: string | undefined;
  if (clientId.length === 0) {
    // [MQTT-3.1.3-8] 3.1.1: an empty client id needs clean session 1, otherwise CONNACK 0x02
    if (version === 4 && !packet.clean) {
      return refuse(client, version, {
        v4: ConnackReturnCode.IdentifierRejected,
        v5: ReasonCode.ClientIdentifierNotValid,
        reason: "empty client id with clean session 0",
      });
    }
    // [MQTT-3.1.3-6] the server assigns a unique id; MQTT 5 tells the client [MQTT-3.2.2-16]
    clientId = client.core.assignClientId();
    if (version === 5) assignedClientId = clientId;
  }

  let will: Message | undefined;
  if (packet.will !== undefined) {
    const topicProblem = topicNameProblem(packet.will.topic);
    if (topicProblem !== undefined) {
      return refuse(client, version, {
        v4: ConnackReturnCode.NotAuthorized,
        v5: ReasonCode.TopicNameInvalid,
        reason: `will ${topicProblem}`,
      });
    }
    // [MQTT-3.2.2-12] a will QoS above Maximum QoS is refused with 0x9B in MQTT 5; 3.1.1
    // cannot be told, so its will is kept at QoS 1.
    if (packet.will.qos === 2 && version === 5) {
      return refuse(client, version, {
        v4: ConnackReturnCode.ServerUnavailable,
        v5: ReasonCode.QosNotSupported,
        reason: "will QoS 2 is not supported (maximum QoS 1)",
      });
    }
    if (
      !client.core.access.mayPublish({ clientId, username: packet.username }, packet.will.topic)
    ) {
      return refuse(client, version, {
        v4: ConnackReturnCode.NotAuthorized,
        v5: ReasonCode.NotAuthorized,
        reason: `will topic "${packet.will.topic}" is protected`,
      });
    }
    will = createMessage({
      topic: packet.will.topic,
      payload: packet.will.payload,
      qos: packet.will.qos === 0 ? 0 : 1,
      retain: packet.will.retain === true,
      properties: packet.will.properties,
    }, clientId);
  }

  client.clientId = clientId;
  client.username = packet.username;
  client.will = will;
  const session = new Session(clientId);
  if (version === 5) {
    if (properties.receiveMaximum !== undefined) session.receiveMaximum = properties.receiveMaximum;
    if (properties.maximumPacketSize !== undefined) {
      client.maxOutgoingPacketSize = properties.maximumPacketSize;
    }
    client.wantsProblemInformation = properties.requestProblemInformation !== false;
  }
  // [MQTT-3.1.4-2] a connection already using this client id is closed
  client.core.register(client);

  const connack: IConnackPacket = { cmd: "connack", sessionPresent: false };
  if (version === 4) {
    // Sessions are clean for now, so there is never a session present [MQTT-3.2.2-1].
    connack.returnCode = ConnackReturnCode.Accepted;
  } else {
    connack.reasonCode = ReasonCode.Success;
    const options = client.core.options;
    connack.properties = {
      maximumQoS: 1,
      retainAvailable: true,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
      sharedSubscriptionAvailable: false,
      // Topic Alias Maximum is absent, which means 0: the client must not send aliases.
    };
    if (options.maxPacketSize < MQTT_MAX_PACKET_BYTES) {
      connack.properties.maximumPacketSize = options.maxPacketSize;
    }
    if (assignedClientId !== undefined) {
      connack.properties.assignedClientIdentifier = assignedClientId;
    }
    // Sessions end with the connection for now: say so when a longer expiry was asked.
    if ((properties.sessionExpiryInterval ?? 0) > 0) {
      connack.properties.sessionExpiryInterval = 0;
    }
  }
  client.accept(session, connack, packet.keepalive ?? 0);
}

function refuse(client: Client, version: ProtocolVersion, refusal: Refusal): void {
  const connack: IConnackPacket = version === 5
    ? { cmd: "connack", sessionPresent: false, reasonCode: refusal.v5 }
    : { cmd: "connack", sessionPresent: false, returnCode: refusal.v4 };
  client.refuse(connack, version, refusal.reason);
}
