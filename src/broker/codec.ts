/**
 * The one place the broker meets `mqtt-packet`: a streaming decoder with a packet size limit and
 * an encoder, both speaking the protocol version negotiated by CONNECT.
 */
import type { Packet } from "mqtt-packet";
import { createParser, generate, type MqttParser, writeToStream } from "./_mqtt_packet.ts";
import { ProtocolError } from "./errors.ts";
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

/** mqtt-packet's parser exposes the packet in progress; its length is known once framed. */
interface ParserInternals {
  packet: { length: number };
}

/**
 * Turns a byte stream into packets. The protocol version follows the CONNECT packet it parses,
 * as mqtt-packet's parser does. `push` throws {@linkcode ProtocolError} on malformed bytes (0x81)
 * and on a packet over the size limit (0x95), the latter as soon as its header announces it, so an
 * oversize packet is never buffered whole.
 */
export class PacketDecoder {
  readonly #parser: MqttParser;
  readonly #maxPacketSize: number;
  readonly #onPacket: (packet: Packet) => void;
  #error: ProtocolError | undefined;

  constructor(options: PacketDecoderOptions) {
    this.#maxPacketSize = options.maxPacketSize;
    this.#onPacket = options.onPacket;
    this.#parser = createParser();
    this.#parser.on("packet", (packet: Packet) => this.#receive(packet));
    this.#parser.on("error", (error: unknown) => {
      this.#error ??= new ProtocolError(
        `malformed packet: ${error instanceof Error ? error.message : String(error)}`,
        ReasonCode.MalformedPacket,
        { cause: error },
      );
    });
  }

  /**
   * Feeds bytes read from the connection. The parser keeps views into what it is given, so the
   * caller must pass bytes it will not overwrite (copy out of a reused read buffer).
   */
  push(chunk: Uint8Array): void {
    if (this.#error !== undefined) throw this.#error;
    // A Uint8Array is read as a view by the parser's buffer list, exactly like a Buffer.
    this.#parser.parse(chunk);
    if (this.#error === undefined) {
      const pending = (this.#parser as unknown as ParserInternals).packet.length;
      if (pending > 0) this.#checkSize(pending);
    }
    if (this.#error !== undefined) throw this.#error;
  }

  #receive(packet: Packet): void {
    if (this.#error !== undefined) return;
    this.#checkSize(packet.length ?? 0);
    if (this.#error === undefined) this.#onPacket(packet);
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
