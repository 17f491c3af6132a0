/**
 * The acknowledgements a busy broker sends most, written as their 4 bytes (§3.4–§3.7: header,
 * Remaining Length 2, packet id) without mqtt-packet's encoder, which builds each through a
 * stream of small buffers it then joins: a QoS 1 publisher gets one PUBACK per message. Only the
 * packets whose bytes are exactly those are taken here; the rest (MQTT 5 reason codes other than
 * Success, properties, bad ids) go to mqtt-packet as before.
 */
import type { Packet } from "mqtt-packet";

/** First byte per acknowledgement, with the flags the spec requires (§2.2.2). */
const FIRST_BYTES: Readonly<Record<string, number>> = {
  puback: 0x40,
  pubrec: 0x50,
  pubrel: 0x62, // [MQTT-3.6.1-1] PUBREL's flags are 0010
  pubcomp: 0x70,
};

/**
 * The 4 bytes of `packet` when it is a PUBACK, PUBREC, PUBREL or PUBCOMP that mqtt-packet would
 * encode with Remaining Length 2, else `undefined`. In MQTT 5 that is reason code 0 (Success)
 * given explicitly and no properties (§3.4.2.1: both may then be left out); 3.1.1 has neither.
 */
export function ackBytes(packet: Packet, protocolVersion: number): Uint8Array | undefined {
  const first = FIRST_BYTES[packet.cmd];
  if (first === undefined) return undefined;
  const { messageId, reasonCode, properties, dup } = packet as {
    messageId?: number;
    reasonCode?: number;
    properties?: unknown;
    dup?: boolean;
  };
  // mqtt-packet sets DUP on a PUBREL asked to have it; nothing here does that.
  if (dup) return undefined;
  if (messageId === undefined || !Number.isInteger(messageId) || messageId < 0) return undefined;
  if (messageId > 0xffff) return undefined;
  if (protocolVersion === 5 && (reasonCode !== 0 || properties !== undefined)) return undefined;
  const bytes = new Uint8Array(4);
  bytes[0] = first;
  bytes[1] = 2;
  bytes[2] = messageId >> 8;
  bytes[3] = messageId & 0xff;
  return bytes;
}
