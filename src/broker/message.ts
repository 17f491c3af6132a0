/**
 * The broker's own form of an application message: what one PUBLISH carried, detached from the
 * packet that brought it (no packet id, no topic alias) so it can be routed, retained and
 * re-encoded per subscriber.
 */

import type { OutgoingPublish } from "./outgoing.ts";

/** MQTT 5 publish properties that travel with the message to v5 subscribers (§3.3.2.3). */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array;
  userProperties?: Record<string, string | string[]>;
}

/** An application message inside the broker. */
export interface Message {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  readonly properties: MessageProperties | undefined;
  /**
   * When the message expires (epoch ms), from its Message Expiry Interval; subscribers are sent
   * the remaining interval [MQTT-3.3.2-6] and an expired message is not delivered [MQTT-3.3.2-5].
   */
  readonly expiresAtMs: number | undefined;
  /** The client id of the publisher, for the No Local subscription option; none in-process. */
  readonly publisherId: string | undefined;
  /**
   * The message's encoded PUBLISHes, once made, for every later delivery of it to reuse: a
   * retained message goes to each new subscriber, a queued one out of each session's queue
   * (see `OutgoingPublish.of`). Only the broker's outgoing path sets it.
   */
  encoded?: OutgoingPublish | undefined;
}

/** Whole seconds left before `message` expires, `undefined` without expiry, 0 once expired. */
export function remainingExpirySeconds(message: Message, nowMs: number): number | undefined {
  if (message.expiresAtMs === undefined) return undefined;
  return Math.max(0, Math.ceil((message.expiresAtMs - nowMs) / 1000));
}

/** Whether `message` has outlived its Message Expiry Interval at `nowMs`. */
export function isExpired(message: Message, nowMs: number): boolean {
  return message.expiresAtMs !== undefined && message.expiresAtMs <= nowMs;
}

/** What a message is made from: a PUBLISH, a will, or an in-process publish. */
export interface MessageInput {
  topic: string;
  payload: Uint8Array | string;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: MessageProperties & { messageExpiryInterval?: number } | undefined;
  /**
   * The payload is the broker's own: a view of a decoded PUBLISH, whose bytes the decoder copied
   * out of the read buffer for that packet alone (codec.ts). It is kept as it is, retained or
   * not; any other payload of a retained message is copied.
   */
  payloadOwned?: boolean;
}

const utf8 = new TextEncoder();

/**
 * Builds a {@linkcode Message}, keeping only the properties that travel with it. A retained
 * payload is copied unless it is the broker's own (`payloadOwned`): the retained store keeps it
 * for as long as the message, and a caller's buffer may change after the call.
 */
export function createMessage(
  input: MessageInput,
  publisherId: string | undefined,
  nowMs: number = Date.now(),
): Message {
  const payload = typeof input.payload === "string"
    ? utf8.encode(input.payload)
    : input.retain && input.payloadOwned !== true
    ? new Uint8Array(input.payload)
    : input.payload;
  const source = input.properties;
  let properties: MessageProperties | undefined;
  let expiresAtMs: number | undefined;
  if (source !== undefined) {
    properties = {};
    if (source.payloadFormatIndicator !== undefined) {
      properties.payloadFormatIndicator = source.payloadFormatIndicator;
    }
    if (source.contentType !== undefined) properties.contentType = source.contentType;
    if (source.responseTopic !== undefined) properties.responseTopic = source.responseTopic;
    if (source.correlationData !== undefined) {
      properties.correlationData = new Uint8Array(source.correlationData);
    }
    if (source.userProperties !== undefined) properties.userProperties = source.userProperties;
    if (Object.keys(properties).length === 0) properties = undefined;
    if (source.messageExpiryInterval !== undefined) {
      expiresAtMs = nowMs + source.messageExpiryInterval * 1000;
    }
  }
  return {
    topic: input.topic,
    payload,
    qos: input.qos,
    retain: input.retain,
    properties,
    expiresAtMs,
    publisherId,
    encoded: undefined,
  };
}
