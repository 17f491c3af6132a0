import type { IConnackPacket, IConnectPacket } from "mqtt-packet";
import { getLogger } from "@logtape/logtape";
import type { Client } from "../client.ts";
import type { ProtocolVersion } from "../codec.ts";
import { MQTT_MAX_PACKET_BYTES } from "../codec.ts";
import type { Message } from "../message.ts";
import { createMessage } from "../message.ts";
import { ConnackReturnCode, ReasonCode } from "../reason_codes.ts";
import { SESSION_NEVER_EXPIRES } from "../session.ts";
import { topicNameProblem } from "../topic_names.ts";

const logger = getLogger(["spoke", "broker"]);

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
    const topicProblem = topicNameProblem(packet.will.topic) ??
      client.core.topicLimitProblem(packet.will.topic);
    if (topicProblem !== undefined) {
      return refuse(client, version, {
        v4: ConnackReturnCode.NotAuthorized,
        v5: ReasonCode.TopicNameInvalid,
        reason: `will ${topicProblem}`,
      });
    }
    // A will the client may not publish is dropped (and counted), not refused: a mosquitto
    // bridge sends a will on $SYS/broker/connection/<name>/state, and refusing it would make
    // every default bridge fail to connect. Publishing it later is what the rules forbid.
    const willAllowed = client.core.access.mayPublish(
      { clientId, username: packet.username },
      packet.will.topic,
    );
    if (!willAllowed) {
      client.core.stats.dropped++;
      logger.info("dropped the will of {clientId}: not allowed to publish to {topic}", {
        clientId,
        topic: packet.will.topic,
      });
    }
    if (willAllowed) {
      will = createMessage({
        topic: packet.will.topic,
        payload: packet.will.payload,
        qos: packet.will.qos ?? 0,
        retain: packet.will.retain === true,
        properties: packet.will.properties,
      }, clientId);
    }
  }

  // Credentials last: a password check is slow (PBKDF2), so it runs only for an otherwise
  // acceptable CONNECT, with the client's later packets held until it is done.
  const access = client.core.access;
  const accepted: AcceptedConnect = { clientId, assignedClientId, will };
  if (access.needsPasswordCheck(packet.username)) {
    client.hold();
    void access.authenticate(packet.username, packet.password).then((failure) => {
      if (client.state !== "awaiting-connect") return; // closed meanwhile (CONNECT timeout)
      if (failure !== undefined) refuseCredentials(client, version, failure);
      else completeConnect(client, packet, version, accepted);
      client.release();
    });
    return;
  }
  const failure = access.authenticateWithoutPassword(packet.username);
  if (failure !== undefined) return refuseCredentials(client, version, failure);
  completeConnect(client, packet, version, accepted);
}

/** What the checks of a CONNECT settled before the credentials are known to be good. */
interface AcceptedConnect {
  readonly clientId: string;
  readonly assignedClientId: string | undefined;
  readonly will: Message | undefined;
}

/** Refused credentials: 0x04/0x86 bad user name or password, 0x05/0x87 not authorized. */
function refuseCredentials(
  client: Client,
  version: ProtocolVersion,
  failure: "bad-credentials" | "not-authorized",
): void {
  refuse(
    client,
    version,
    failure === "bad-credentials"
      ? {
        v4: ConnackReturnCode.BadUserNameOrPassword,
        v5: ReasonCode.BadUserNameOrPassword,
        reason: "bad user name or password",
      }
      : {
        v4: ConnackReturnCode.NotAuthorized,
        v5: ReasonCode.NotAuthorized,
        reason: "anonymous clients are not allowed",
      },
  );
}

/** Takes the client id over, opens the session and answers CONNACK. */
function completeConnect(
  client: Client,
  packet: IConnectPacket,
  version: 4 | 5,
  accepted: AcceptedConnect,
): void {
  const { clientId, assignedClientId, will } = accepted;
  const properties = packet.properties ?? {};
  client.clientId = clientId;
  client.username = packet.username;
  client.will = will;
  const options = client.core.options;
  // §3.1.2.11.2: no property means 0, the session ends with the connection; 3.1.1 clean
  // session 0 keeps it until the client returns.
  const expiryIntervalSeconds = version === 5
    ? properties.sessionExpiryInterval ?? 0
    : packet.clean
    ? 0
    : SESSION_NEVER_EXPIRES;
  let keepAliveSeconds = packet.keepalive ?? 0;
  let serverKeepAlive: number | undefined;
  if (version === 5) {
    client.receiveMaximumOut = properties.receiveMaximum ?? 65_535;
    if (properties.maximumPacketSize !== undefined) {
      client.maxOutgoingPacketSize = properties.maximumPacketSize;
    }
    client.wantsProblemInformation = properties.requestProblemInformation !== false;
    client.topicAliasMaximumOut = properties.topicAliasMaximum ?? 0;
    client.willDelaySeconds = packet.will?.properties?.willDelayInterval ?? 0;
    // [MQTT-3.2.2-21] a Server Keep Alive replaces the client's value: the broker caps it
    const maxKeepAlive = options.maxKeepAliveSeconds;
    if (maxKeepAlive > 0 && (keepAliveSeconds === 0 || keepAliveSeconds > maxKeepAlive)) {
      keepAliveSeconds = maxKeepAlive;
      serverKeepAlive = maxKeepAlive;
    }
  }
  // [MQTT-3.1.4-2] a connection already using this client id is closed; [MQTT-3.1.2-4]
  // clean start discards its session, otherwise the session is resumed [MQTT-3.1.2-5].
  const { session, present } = client.core.openSession(
    client,
    packet.clean !== false,
    expiryIntervalSeconds,
  );
  session.receiveMaximum = Math.min(client.receiveMaximumOut, options.maxInflight);

  // [MQTT-3.2.2-1] (3.1.1) / [MQTT-3.2.2-2] (5) Session Present says whether a session resumed
  const connack: IConnackPacket = { cmd: "connack", sessionPresent: present };
  if (version === 4) {
    connack.returnCode = ConnackReturnCode.Accepted;
  } else {
    connack.reasonCode = ReasonCode.Success;
    connack.properties = {
      // Maximum QoS is absent: all of 0, 1 and 2 are supported.
      retainAvailable: true,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
      sharedSubscriptionAvailable: true,
      // [MQTT-3.3.4-7] the client must not exceed this many unreleased QoS 1/2 PUBLISHes
      receiveMaximum: options.maxInflight,
    };
    if (options.topicAliasMaximum > 0) {
      connack.properties.topicAliasMaximum = options.topicAliasMaximum;
    }
    if (options.maxPacketSize < MQTT_MAX_PACKET_BYTES) {
      connack.properties.maximumPacketSize = options.maxPacketSize;
    }
    if (assignedClientId !== undefined) {
      connack.properties.assignedClientIdentifier = assignedClientId;
    }
    if (serverKeepAlive !== undefined) connack.properties.serverKeepAlive = serverKeepAlive;
  }
  client.accept(session, connack, keepAliveSeconds, present);
}

function refuse(client: Client, version: ProtocolVersion, refusal: Refusal): void {
  const connack: IConnackPacket = version === 5
    ? { cmd: "connack", sessionPresent: false, reasonCode: refusal.v5 }
    : { cmd: "connack", sessionPresent: false, returnCode: refusal.v4 };
  client.refuse(connack, version, refusal.reason);
}
