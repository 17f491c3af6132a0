/**
 * MQTT 5 reason codes (spec §2.4) and the MQTT 3.1.1 CONNACK return codes (§3.2.2.3) the broker
 * sends. Named once here so every handler says which rule it answers with.
 *
 * @module
 */

/** MQTT 5 reason codes used by the broker. */
export const ReasonCode = {
  Success: 0x00,
  GrantedQos0: 0x00,
  GrantedQos1: 0x01,
  DisconnectWithWill: 0x04,
  NoMatchingSubscribers: 0x10,
  NoSubscriptionExisted: 0x11,
  UnspecifiedError: 0x80,
  MalformedPacket: 0x81,
  ProtocolError: 0x82,
  ImplementationSpecificError: 0x83,
  UnsupportedProtocolVersion: 0x84,
  ClientIdentifierNotValid: 0x85,
  BadUserNameOrPassword: 0x86,
  NotAuthorized: 0x87,
  ServerUnavailable: 0x88,
  ServerBusy: 0x89,
  ServerShuttingDown: 0x8b,
  BadAuthenticationMethod: 0x8c,
  KeepAliveTimeout: 0x8d,
  SessionTakenOver: 0x8e,
  TopicFilterInvalid: 0x8f,
  TopicNameInvalid: 0x90,
  PacketIdentifierInUse: 0x91,
  PacketIdentifierNotFound: 0x92,
  ReceiveMaximumExceeded: 0x93,
  TopicAliasInvalid: 0x94,
  PacketTooLarge: 0x95,
  QuotaExceeded: 0x97,
  QosNotSupported: 0x9b,
  SharedSubscriptionsNotSupported: 0x9e,
} as const;

/** MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2-4 .. 3.2.2-6]. */
export const ConnackReturnCode = {
  Accepted: 0x00,
  UnacceptableProtocolVersion: 0x01,
  IdentifierRejected: 0x02,
  ServerUnavailable: 0x03,
  BadUserNameOrPassword: 0x04,
  NotAuthorized: 0x05,
} as const;
