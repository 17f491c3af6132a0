/**
 * A PUBLISH without properties (every 3.1.1 one, and a 5.0 one with none) written straight into
 * one buffer (§3.3): fixed header, Remaining Length, topic name, packet id, an empty property
 * length in 5.0, payload. mqtt-packet's encoder builds the same bytes through a stream of small
 * buffers it then joins, per message; a new subscriber's thousand retained messages are a
 * thousand different PUBLISHes. Packets with properties still go through mqtt-packet.
 */
import { packetSizeFromRemainingLength, type ProtocolVersion } from "./codec.ts";
import type { Qos } from "./session.ts";

const utf8 = new TextEncoder();

/** The largest Remaining Length MQTT can frame (§1.5.5: 4 bytes of 7 bits). */
const MAX_REMAINING_LENGTH = 268_435_455;
/** Longest UTF-8 string field (§1.5.4: a 2-byte length). */
const MAX_STRING_BYTES = 65_535;

/**
 * The bytes of a PUBLISH of `payload` on `topic` (its UTF-8 bytes), or `undefined` when a field
 * is out of MQTT's range and mqtt-packet is to refuse it as it always has.
 */
export function publishBytes(
  protocolVersion: ProtocolVersion,
  topic: string,
  payload: Uint8Array,
  qos: Qos,
  retain: boolean,
  dup: boolean,
  packetId: number,
): Uint8Array | undefined {
  const head = publishHead(protocolVersion, topic, payload.byteLength, qos, retain, dup, packetId);
  if (head === undefined) return undefined;
  const bytes = new Uint8Array(head.byteLength + payload.byteLength);
  bytes.set(head);
  bytes.set(payload, head.byteLength);
  return bytes;
}

/**
 * A PUBLISH as its head (everything before the payload) and the message's own payload, joined
 * only where it is written: in the write batch its bytes are copied into anyway. A message then
 * costs no second buffer of its payload's size on its way out (a fan-out of 6,000 messages made
 * 6,000 of them, and the garbage collector swept them).
 */
export class PublishParts {
  readonly head: Uint8Array;
  readonly payload: Uint8Array;

  constructor(head: Uint8Array, payload: Uint8Array) {
    this.head = head;
    this.payload = payload;
  }

  get byteLength(): number {
    return this.head.byteLength + this.payload.byteLength;
  }

  /** Writes the packet's bytes into `target` at `offset`. */
  writeTo(target: Uint8Array, offset: number): void {
    target.set(this.head, offset);
    target.set(this.payload, offset + this.head.byteLength);
  }
}

/**
 * The head of a PUBLISH whose payload is `payloadLength` bytes: fixed header, Remaining Length,
 * topic name, packet id and (5.0) an empty property length; `undefined` as for `publishBytes`.
 * An ASCII topic name (nearly every one) is copied into the head a character at a time, with no
 * buffer of its bytes first: a new subscriber's thousand retained messages are a thousand heads,
 * and the runtime's encoder is an op call each, a fifth of their delivery once.
 */
export function publishHead(
  protocolVersion: ProtocolVersion,
  topic: string,
  payloadLength: number,
  qos: Qos,
  retain: boolean,
  dup: boolean,
  packetId: number,
): Uint8Array | undefined {
  const utf8Bytes = isAscii(topic) ? undefined : utf8.encode(topic);
  const topicLength = utf8Bytes?.byteLength ?? topic.length;
  if (topicLength > MAX_STRING_BYTES) return undefined;
  const remainingLength = 2 + topicLength + (qos > 0 ? 2 : 0) +
    (protocolVersion === 5 ? 1 : 0) + payloadLength;
  if (remainingLength > MAX_REMAINING_LENGTH) return undefined;
  const bytes = new Uint8Array(
    packetSizeFromRemainingLength(remainingLength) - payloadLength,
  );
  // [MQTT-3.3.1-2] DUP only with QoS > 0
  bytes[0] = 0x30 | (dup && qos > 0 ? 0x08 : 0) | (qos << 1) | (retain ? 0x01 : 0);
  let at = 1;
  let rest = remainingLength;
  do {
    const digit = rest % 128;
    rest = Math.floor(rest / 128);
    bytes[at++] = rest > 0 ? digit | 0x80 : digit;
  } while (rest > 0);
  bytes[at++] = topicLength >> 8;
  bytes[at++] = topicLength & 0xff;
  if (utf8Bytes !== undefined) bytes.set(utf8Bytes, at);
  else for (let i = 0; i < topicLength; i++) bytes[at + i] = topic.charCodeAt(i);
  at += topicLength;
  if (qos > 0) {
    bytes[at++] = packetId >> 8;
    bytes[at++] = packetId & 0xff;
  }
  if (protocolVersion === 5) bytes[at++] = 0; // no properties
  return bytes;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}
