/**
 * The one place the broker meets `mqtt-packet`: a streaming decoder with a packet size limit and
 * an encoder, both speaking the protocol version negotiated by CONNECT.
 */
import type { Packet } from "mqtt-packet";
import { generate, headerByteIsValid, writeToStream } from "./_mqtt_packet.ts";
import {
  INITIAL_SETTINGS,
  parseFor,
  type ParserSettings,
  type ParseTarget,
} from "./_shared_parser.ts";
import { ProtocolError } from "./errors.ts";
import { ackBytes } from "./_ack_bytes.ts";
import {
  framedPacketSize,
  MALFORMED_LENGTH,
  PINGREQ_BYTES,
  readShortPacket,
  SHORT_ACK_BYTES,
  truncatedAckProblem,
} from "./_short_packets.ts";
import { ReasonCode } from "./reason_codes.ts";

// mqtt-packet builds 65,536 two-byte Buffers (about 7 MB of heap) on its first encode unless told
// not to; a 2-byte number is cheaper to write than that cache is to hold on a Pi.
writeToStream.cacheNumbers = false;

/** MQTT protocol levels the broker speaks: 4 is MQTT 3.1.1, 5 is MQTT 5.0. */
export type ProtocolVersion = 4 | 5;

/** The largest packet MQTT can frame: 1 byte header + 4 byte length + 268,435,455 (§2.2.3). */
export const MQTT_MAX_PACKET_BYTES = 268_435_460;

/** Encodes `packet` for a client speaking `protocolVersion`. */
export function encodePacket(packet: Packet, protocolVersion: ProtocolVersion): Uint8Array {
  const ack = ackBytes(packet, protocolVersion);
  if (ack !== undefined) return ack;
  try {
    return generate(packet, { protocolVersion });
  } catch (error) {
    // mqtt-packet refuses packets it cannot encode (bad property types, oversize strings).
    throw new ProtocolError(
      `cannot encode ${packet.cmd} packet: ${error instanceof Error ? error.message : error}`,
      ReasonCode.ImplementationSpecificError,
      { cause: error },
    );
  }
}

/** Bytes a whole packet takes on the wire, given its Remaining Length (§2.2.3). */
export function packetSizeFromRemainingLength(remainingLength: number): number {
  const lengthBytes = remainingLength < 128
    ? 1
    : remainingLength < 16_384
    ? 2
    : remainingLength < 2_097_152
    ? 3
    : 4;
  return 1 + lengthBytes + remainingLength;
}

/** Options of a {@linkcode PacketDecoder}. */
export interface PacketDecoderOptions {
  /** Largest whole packet (header included) accepted; a bigger one fails with 0x95. */
  maxPacketSize: number;
  /** Called, in order, with every complete packet. */
  onPacket: (packet: Packet) => void;
}

/**
 * Turns a byte stream into packets. The protocol version follows the CONNECT packet it parses,
 * as mqtt-packet's parser does. `push` throws {@linkcode ProtocolError} on malformed bytes (0x81)
 * and on a packet over the size limit (0x95), the latter as soon as its header announces it, so an
 * oversize packet is never buffered whole.
 *
 * The decoder frames packets itself, from their Remaining Length: the short acknowledgements and
 * PINGREQ are read in place (see `_short_packets.ts`), every other packet goes to mqtt-packet's
 * parser whole and on its own, and a packet split across reads is gathered here first.
 */
export class PacketDecoder implements ParseTarget {
  /** What the parser knows of this connection: set by its CONNECT. */
  #settings: ParserSettings = INITIAL_SETTINGS;
  readonly #maxPacketSize: number;
  readonly #onPacket: (packet: Packet) => void;
  #error: ProtocolError | undefined;
  /**
   * The start of a packet split across reads: its whole size once framed (`#partialFilled` bytes
   * of it so far), or, while its Remaining Length is still incomplete, just those few bytes.
   */
  #partial: Uint8Array | undefined;
  #partialFilled = 0;
  #partialFramed = false;

  constructor(options: PacketDecoderOptions) {
    this.#maxPacketSize = options.maxPacketSize;
    this.#onPacket = options.onPacket;
  }

  /**
   * Feeds bytes read from the connection. They are not kept: what must outlive the call (a split
   * packet, a PUBLISH payload) is copied, so the caller may reuse its read buffer.
   */
  push(chunk: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    let bytes = chunk;
    let offset = 0;
    if (this.#partial !== undefined) {
      if (!this.#partialFramed) {
        // Only the first bytes of a header are here (at most 4): join them to the new ones.
        bytes = new Uint8Array(this.#partialFilled + chunk.byteLength);
        bytes.set(this.#partial.subarray(0, this.#partialFilled));
        bytes.set(chunk, this.#partialFilled);
        this.#partial = undefined;
      } else {
        offset = this.#fillPartial(chunk);
        if (this.#partial !== undefined) return;
      }
    }
    this.#decode(bytes, offset);
  }

  #decode(bytes: Uint8Array, start: number): void {
    const end = bytes.byteLength;
    let offset = start;
    while (offset < end) {
      const short = this.#maxPacketSize >= SHORT_ACK_BYTES
        ? readShortPacket(bytes, offset, this.#settings.protocolVersion ?? 4)
        : undefined;
      if (short !== undefined) {
        offset += short.cmd === "pingreq" ? PINGREQ_BYTES : SHORT_ACK_BYTES;
        this.#onPacket(short);
        continue;
      }
      const truncated = truncatedAckProblem(bytes, offset);
      if (truncated !== undefined) {
        this.#error = new ProtocolError(
          `malformed packet: ${truncated}`,
          ReasonCode.MalformedPacket,
        );
        throw this.#error;
      }
      const size = framedPacketSize(bytes, offset);
      if (size === MALFORMED_LENGTH || (size !== undefined && size > this.#maxPacketSize)) {
        // The parser finds what is wrong, in the order it always has (header flags first).
        this.#parse(bytes.slice(offset, offset + 5));
        this.#error ??= new ProtocolError(
          "malformed packet: Remaining Length longer than 4 bytes",
          ReasonCode.MalformedPacket,
        );
        throw this.#error;
      }
      if ((size === undefined || offset + size > end) && !headerByteIsValid(bytes[offset]!)) {
        // A bad header is refused when it arrives, not once its packet is whole.
        this.#parse(bytes.slice(offset, offset + 1));
      }
      if (size === undefined) {
        this.#partial = bytes.slice(offset);
        this.#partialFilled = end - offset;
        this.#partialFramed = false;
        return;
      }
      if (offset + size > end) {
        this.#partial = new Uint8Array(size);
        this.#partial.set(bytes.subarray(offset));
        this.#partialFilled = end - offset;
        this.#partialFramed = true;
        return;
      }
      // The parser keeps views of what it parses (a PUBLISH payload): it gets its own copy.
      this.#parse(bytes.slice(offset, offset + size));
      offset += size;
    }
  }

  /** Copies the rest of the split packet out of `chunk`; parses it once whole. */
  #fillPartial(chunk: Uint8Array): number {
    const partial = this.#partial!;
    const taken = Math.min(partial.byteLength - this.#partialFilled, chunk.byteLength);
    partial.set(chunk.subarray(0, taken), this.#partialFilled);
    this.#partialFilled += taken;
    if (this.#partialFilled === partial.byteLength) {
      this.#partial = undefined;
      this.#parse(partial);
    }
    return taken;
  }

  /** Parses `bytes` (the parser's to keep) and throws what it found wrong. */
  #parse(bytes: Uint8Array): void {
    // A Uint8Array is read as a view by the parser's buffer list, exactly like a Buffer.
    const { settings, pendingLength, complete } = parseFor(bytes, this.#settings, this);
    this.#settings = settings;
    if (this.#error === undefined && pendingLength > 0) this.#checkSize(pendingLength);
    if (this.#error === undefined && !complete) {
      // A whole packet whose fields run past its Remaining Length.
      this.#error = new ProtocolError(
        "malformed packet: its fields run past its Remaining Length",
        ReasonCode.MalformedPacket,
      );
    }
    if (this.#error !== undefined) throw this.#error;
  }

  /** {@linkcode ParseTarget}: the shared parser found a packet in this connection's bytes. */
  parsedPacket(packet: Packet): void {
    if (this.#error !== undefined) return;
    this.#checkSize(packet.length ?? 0);
    if (this.#error === undefined) this.#onPacket(packet);
  }

  /** {@linkcode ParseTarget}: the shared parser found this connection's bytes malformed. */
  parseFailed(error: unknown): void {
    this.#error ??= new ProtocolError(
      `malformed packet: ${error instanceof Error ? error.message : String(error)}`,
      ReasonCode.MalformedPacket,
      { cause: error },
    );
  }

  #checkSize(remainingLength: number): void {
    const size = packetSizeFromRemainingLength(remainingLength);
    if (size > this.#maxPacketSize) {
      this.#error = new ProtocolError(
        `packet of ${size} bytes exceeds the maximum packet size of ${this.#maxPacketSize} bytes`,
        ReasonCode.PacketTooLarge,
      );
    }
  }
}
