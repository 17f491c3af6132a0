import { Buffer } from "node:buffer";
import type { IPublishPacket } from "mqtt-packet";
import { encodePacket } from "./codec.ts";
import type { ProtocolVersion } from "./codec.ts";
import type { Message } from "./message.ts";
import { remainingExpirySeconds } from "./message.ts";
import type { InflightPublish, Qos } from "./session.ts";
import { publishBytes, publishHead, PublishParts } from "./_publish_bytes.ts";
import { BATCH_BUFFER_BYTES } from "./_batch_buffers.ts";

/** One subscriber's encoded PUBLISH, as the write queue takes it. */
export type EncodedPublish = Uint8Array | PublishParts | PublishCopy;

/** A server-to-client topic alias on one PUBLISH: the alias, and whether the topic goes too. */
export interface TopicAliasUse {
  readonly alias: number;
  /** True the first time (the alias is being set up), false once the client knows it. */
  readonly sendTopic: boolean;
}

/** A view of `bytes` as a Node Buffer, which mqtt-packet's encoder requires; nothing is copied. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * One message on its way out to many subscribers. Subscribers of the same protocol version, QoS
 * and retain flag get the same bytes, so the PUBLISH is encoded once per variant, not per
 * subscriber. At QoS 1/2 each session asks first for the message's `preferredPacketId`: where it
 * is free, the subscriber gets the very same bytes as the others (and its write queue can share
 * their batch, see `_shared_batches.ts`); elsewhere a copy with its own packet id (and DUP flag)
 * is patched from the template. The expiry interval is the remaining one at the time this
 * delivery started [MQTT-3.3.2-6].
 */
export class OutgoingPublish {
  readonly message: Message;
  /** The packet id the QoS 1/2 variants are encoded with; 0 (never a valid id) for none. */
  readonly preferredPacketId: number;
  readonly #expirySeconds: number | undefined;
  /**
   * Encoded variants by slot (version, qos, retain); QoS 1/2 ones carry `preferredPacketId`.
   * Nearly every message goes out in one variant, kept in the first two fields; the array is
   * made for a second one. A new subscriber's thousand retained messages are a thousand of these.
   */
  #firstSlot = -1;
  #first: Uint8Array | PublishParts | undefined;
  #others: (Uint8Array | PublishParts | undefined)[] | undefined;
  /** The in-flight records of its QoS 1 copies without identifiers, by retain flag. */
  #inflightEntry: InflightPublish | undefined;
  #inflightEntryRetained: InflightPublish | undefined;

  constructor(message: Message, nowMs: number = Date.now(), preferredPacketId = 0) {
    this.message = message;
    this.preferredPacketId = preferredPacketId;
    this.#expirySeconds = remainingExpirySeconds(message, nowMs);
  }

  /**
   * The outgoing form of `message` for a delivery at `nowMs`: the one kept with the message when
   * it can be, so a retained message sent to each new subscriber, or a message sent out of many
   * session queues, is encoded once and not once per delivery. A message with an expiry carries
   * the interval remaining at its delivery [MQTT-3.3.2-6], in whole seconds: its kept form serves
   * the deliveries of one such second, and the next second gets a new one (Spoke's networks all
   * expire). A payload too large for a write batch is encoded each time: its encoded form is a
   * whole copy of it.
   */
  static of(message: Message, nowMs: number, preferredPacketId = 0): OutgoingPublish {
    if (!fitsBatch(message)) return new OutgoingPublish(message, nowMs, preferredPacketId);
    const kept = message.encoded;
    if (kept !== undefined && kept.#expirySeconds === remainingExpirySeconds(message, nowMs)) {
      return kept;
    }
    return message.encoded = new OutgoingPublish(message, nowMs, preferredPacketId);
  }

  /**
   * The PUBLISH for one subscriber. With subscription identifiers or a topic alias the packet is
   * unique to that subscriber and encoded on its own. A QoS 1/2 copy of a shared template is a
   * {@linkcode PublishCopy}, whose bytes are only made where they are written. `dup` marks a
   * redelivery [MQTT-3.3.1-1].
   */
  encode(
    protocolVersion: ProtocolVersion,
    qos: Qos,
    retain: boolean,
    packetId: number,
    subscriptionIds?: readonly number[],
    dup = false,
    topicAlias?: TopicAliasUse,
  ): EncodedPublish {
    if (
      protocolVersion === 5 &&
      ((subscriptionIds !== undefined && subscriptionIds.length > 0) || topicAlias !== undefined)
    ) {
      return this.#encodeOne(
        protocolVersion,
        qos,
        retain,
        packetId,
        subscriptionIds,
        dup,
        topicAlias,
      );
    }
    const slot = (protocolVersion - 4) * 6 + qos * 2 + (retain ? 1 : 0);
    const template = this.#variant(slot, protocolVersion, qos, retain);
    if (qos === 0 || (packetId === this.preferredPacketId && !dup)) return template;
    // [MQTT-3.3.1-1] DUP only on a redelivery; [MQTT-2.3.1-2] a packet id of its own per copy
    const head = template instanceof PublishParts ? template.head : template;
    return new PublishCopy(template, packetIdOffset(head), packetId, dup);
  }

  /** The shared template of one slot, encoded the first time it is asked for. */
  #variant(
    slot: number,
    protocolVersion: ProtocolVersion,
    qos: Qos,
    retain: boolean,
  ): Uint8Array | PublishParts {
    if (slot === this.#firstSlot) return this.#first!;
    const kept = this.#others?.[slot];
    if (kept !== undefined) return kept;
    const id = qos > 0 ? this.preferredPacketId : 0;
    const template = this.#encodeOne(protocolVersion, qos, retain, id, undefined, false, undefined);
    if (this.#firstSlot === -1) {
      this.#firstSlot = slot;
      this.#first = template;
    } else {
      (this.#others ??= new Array(12))[slot] = template;
    }
    return template;
  }

  /**
   * What a session keeps in flight for a QoS 1 copy without subscription identifiers: one frozen
   * record for every session, since nothing in it changes before the PUBACK removes it (only a
   * QoS 2 record moves on to "pubrel").
   */
  inflightEntry(retain: boolean): InflightPublish {
    if (retain) return this.#inflightEntryRetained ??= this.#newInflightEntry(true);
    return this.#inflightEntry ??= this.#newInflightEntry(false);
  }

  #newInflightEntry(retain: boolean): InflightPublish {
    const entry = { message: this.message, qos: 1, retain, subscriptionIds: undefined } as const;
    return Object.freeze({ ...entry, state: "publish" }) as InflightPublish;
  }

  #encodeOne(
    protocolVersion: ProtocolVersion,
    qos: Qos,
    retain: boolean,
    packetId: number,
    subscriptionIds: readonly number[] | undefined,
    dup: boolean,
    topicAlias: TopicAliasUse | undefined,
  ): Uint8Array | PublishParts {
    const message = this.message;
    const properties = protocolVersion === 5
      ? this.#properties(subscriptionIds, topicAlias)
      : undefined;
    if (properties === undefined) {
      const topic = message.topic;
      const payload = message.payload;
      // publishHead sets DUP only with QoS > 0 [MQTT-3.3.1-2].
      // A packet that fits a write batch is copied into one, and its payload with it.
      if (fitsBatch(message)) {
        const head = publishHead(
          protocolVersion,
          topic,
          payload.byteLength,
          qos,
          retain,
          dup,
          packetId,
        );
        if (head !== undefined) return new PublishParts(head, payload);
      } else {
        const bytes = publishBytes(protocolVersion, topic, payload, qos, retain, dup, packetId);
        if (bytes !== undefined) return bytes;
      }
    }
    const packet: IPublishPacket = {
      cmd: "publish",
      // [MQTT-3.3.2-12]/§3.3.2.3.4 an alias already set up lets the topic name go empty
      topic: topicAlias !== undefined && !topicAlias.sendTopic ? "" : message.topic,
      payload: asBuffer(message.payload),
      qos,
      retain,
      dup: dup && qos > 0,
    };
    if (qos > 0) packet.messageId = packetId;
    if (properties !== undefined) packet.properties = properties;
    return encodePacket(packet, protocolVersion);
  }

  /** The MQTT 5 properties of one PUBLISH of the message, `undefined` for none. */
  #properties(
    subscriptionIds: readonly number[] | undefined,
    topicAlias: TopicAliasUse | undefined,
  ): IPublishPacket["properties"] {
    const properties: NonNullable<IPublishPacket["properties"]> = {};
    const source = this.message.properties;
    if (source !== undefined) {
      if (source.payloadFormatIndicator !== undefined) {
        properties.payloadFormatIndicator = source.payloadFormatIndicator;
      }
      if (source.contentType !== undefined) properties.contentType = source.contentType;
      if (source.responseTopic !== undefined) properties.responseTopic = source.responseTopic;
      if (source.correlationData !== undefined) {
        properties.correlationData = asBuffer(source.correlationData);
      }
      if (source.userProperties !== undefined) properties.userProperties = source.userProperties;
    }
    if (this.#expirySeconds !== undefined) {
      properties.messageExpiryInterval = this.#expirySeconds;
    }
    if (subscriptionIds !== undefined && subscriptionIds.length > 0) {
      // [MQTT-3.3.4-3] the identifiers of every matching subscription travel with the message
      properties.subscriptionIdentifier = subscriptionIds.length === 1
        ? subscriptionIds[0]!
        : [...subscriptionIds];
    }
    if (topicAlias !== undefined) properties.topicAlias = topicAlias.alias;
    return Object.keys(properties).length > 0 ? properties : undefined;
  }
}

/**
 * Whether a PUBLISH of `message` fits a write batch, to be copied into one with its payload. A
 * head is at most 10 bytes besides the topic (header, length, id, property length); the topic's
 * UTF-8 bytes are at most 3 per UTF-16 unit of its name.
 */
function fitsBatch(message: Message): boolean {
  return message.payload.byteLength + message.topic.length * 3 + 10 < BATCH_BUFFER_BYTES;
}

/**
 * One subscriber's QoS 1/2 PUBLISH: a template shared by every copy of the message, with this
 * copy's packet id (in place of the template's) and DUP flag. Its bytes are made where they are written, straight into the
 * connection's write batch, so a message to 100 subscribers is not 100 copies in memory first.
 */
export class PublishCopy {
  readonly #template: Uint8Array | PublishParts;
  readonly #packetIdOffset: number;
  readonly #packetId: number;
  readonly #dup: boolean;

  constructor(
    template: Uint8Array | PublishParts,
    packetIdOffset: number,
    packetId: number,
    dup: boolean,
  ) {
    this.#template = template;
    this.#packetIdOffset = packetIdOffset;
    this.#packetId = packetId;
    this.#dup = dup;
  }

  get byteLength(): number {
    return this.#template.byteLength;
  }

  /** Writes the packet's bytes into `target` at `offset`. */
  writeTo(target: Uint8Array, offset: number): void {
    const template = this.#template;
    if (template instanceof Uint8Array) target.set(template, offset);
    else template.writeTo(target, offset);
    const at = offset + this.#packetIdOffset;
    target[at] = this.#packetId >> 8;
    target[at + 1] = this.#packetId & 0xff;
    if (this.#dup) target[offset] = target[offset]! | 0x08;
  }
}

/** Where the packet id sits in an encoded QoS > 0 PUBLISH: after the header and topic name. */
function packetIdOffset(bytes: Uint8Array): number {
  let index = 1;
  while ((bytes[index]! & 0x80) !== 0) index++;
  index++;
  const topicLength = (bytes[index]! << 8) | bytes[index + 1]!;
  return index + 2 + topicLength;
}
