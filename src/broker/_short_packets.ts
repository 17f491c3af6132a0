/**
 * The packets a busy broker receives most, read without mqtt-packet's parser: the four
 * acknowledgements with Remaining Length 2 (PUBACK, PUBREC, PUBREL, PUBCOMP: a packet id, and in
 * MQTT 5 reason code 0 with no properties, §3.4.2.1) and PINGREQ. A QoS 1 fan-out to 100
 * subscribers brings 100 PUBACKs per message; through the parser each costs a buffer-list append
 * and consume, a state machine walk and an event. Only these exact byte patterns are taken here,
 * giving the same packet the parser would; anything else (other flags [MQTT-2.2.2-2], other
 * lengths, reason codes, properties) goes to the parser, which accepts or rejects it as before.
 */
import type { Packet } from "mqtt-packet";

/** The acknowledgement a first byte stands for, with the flags the spec requires (§2.2.2). */
function ackCommand(firstByte: number): "puback" | "pubrec" | "pubrel" | "pubcomp" | undefined {
  switch (firstByte) {
    case 0x40:
      return "puback";
    case 0x50:
      return "pubrec";
    case 0x62: // [MQTT-3.6.1-1] PUBREL's flags are 0010
      return "pubrel";
    case 0x70:
      return "pubcomp";
  }
  return undefined;
}

/** Bytes of a PINGREQ or of an acknowledgement with Remaining Length 2. */
export const PINGREQ_BYTES = 2;
export const SHORT_ACK_BYTES = 4;

/**
 * The short packet at `offset` of `bytes`, if it is one of those above and complete there; its
 * size is {@linkcode PINGREQ_BYTES} for `pingreq`, else {@linkcode SHORT_ACK_BYTES}. `undefined`
 * means "not for this path": the caller hands the bytes to the parser.
 */
export function readShortPacket(
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number,
): Packet | undefined {
  if (offset + 2 > bytes.byteLength) return undefined;
  const first = bytes[offset]!;
  if (first === 0xc0) {
    return bytes[offset + 1] === 0 ? { cmd: "pingreq", length: 0 } : undefined;
  }
  const cmd = ackCommand(first);
  if (cmd === undefined || bytes[offset + 1] !== 2 || offset + SHORT_ACK_BYTES > bytes.byteLength) {
    return undefined;
  }
  const messageId = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
  // MQTT 5: a Remaining Length of 2 means reason code 0x00 (Success) and no properties.
  return protocolVersion === 5
    ? { cmd, messageId, reasonCode: 0, length: 2 }
    : { cmd, messageId, length: 2 };
}

/** What {@linkcode framedPacketSize} says of a Remaining Length longer than 4 bytes (§1.5.5). */
export const MALFORMED_LENGTH = -1;

/**
 * The whole size of the packet starting at `offset` (header, Remaining Length and body), once
 * its Remaining Length is complete in `bytes`: `undefined` while it is not, and
 * {@linkcode MALFORMED_LENGTH} when it runs over 4 bytes.
 */
export function framedPacketSize(bytes: Uint8Array, offset: number): number | undefined {
  let remainingLength = 0;
  let multiplier = 1;
  for (let index = offset + 1; index < offset + 5; index++) {
    if (index >= bytes.byteLength) return undefined;
    const byte = bytes[index]!;
    remainingLength += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return index + 1 - offset + remainingLength;
    multiplier *= 128;
  }
  return MALFORMED_LENGTH;
}

/**
 * Why the acknowledgement at `offset` is too short to hold its packet identifier (a Remaining
 * Length of 0 or 1: §3.4.1 in 3.1.1 requires 2, §3.4.2 in 5 starts with the identifier), or
 * `undefined`. mqtt-packet's parser would read the identifier from the next packet's bytes.
 */
export function truncatedAckProblem(bytes: Uint8Array, offset: number): string | undefined {
  const cmd = ackCommand(bytes[offset]!);
  const remainingLength = bytes[offset + 1];
  if (cmd === undefined || remainingLength === undefined || remainingLength >= 2) return undefined;
  return `${cmd.toUpperCase()} with Remaining Length ${remainingLength} has no packet identifier`;
}
