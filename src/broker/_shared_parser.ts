/**
 * One mqtt-packet parser for every connection. The decoder frames packets itself and hands the
 * parser one whole packet at a time (or, to have a bad header refused, its first bytes), so
 * between calls the parser holds nothing of any connection; what it must know of one (the
 * protocol version and bridge flag its CONNECT set) goes in with each packet. A parser per
 * connection cost each of a thousand idle clients its event emitter, listeners, buffer list,
 * empty packet and the whole CONNECT packet it keeps as its settings.
 */
import type { Packet } from "mqtt-packet";
import { createParser, type MqttParser } from "./_mqtt_packet.ts";

/** What the parser reads of a connection's CONNECT when it parses the connection's packets. */
export interface ParserSettings {
  readonly protocolVersion?: number;
  readonly bridgeMode?: boolean;
}

/** Where one parse's packets and errors go. */
export interface ParseTarget {
  parsedPacket(packet: Packet): void;
  parseFailed(error: unknown): void;
}

/** What a parse leaves: the settings from then on, and whether every byte made packets. */
export interface ParseOutcome {
  settings: ParserSettings;
  /** The Remaining Length of a packet whose header was parsed but not its body; else ≤ 0. */
  pendingLength: number;
  /** No error, and no packet left unfinished (its fields ran past its bytes). */
  complete: boolean;
}

/** The parser's state, reset when a parse leaves any behind. */
interface ParserInternals {
  settings: ParserSettings;
  packet: { length: number };
  error: unknown;
  _list: { length: number };
  _stateCounter: number;
  /** The read position in a packet; `_resetState` leaves it, and the length parser starts there. */
  _pos: number;
  _resetState(): void;
}

/** Settings of a connection before its CONNECT: mqtt-packet's defaults (3.1.1 parsing). */
export const INITIAL_SETTINGS: ParserSettings = Object.freeze({});

let shared: { parser: MqttParser; internals: ParserInternals } | undefined;
let target: ParseTarget | undefined;

function makeParser(): { parser: MqttParser; internals: ParserInternals } {
  const parser = createParser();
  parser.on("packet", (packet: Packet) => target?.parsedPacket(packet));
  parser.on("error", (error: unknown) => target?.parseFailed(error));
  return { parser, internals: parser as unknown as ParserInternals };
}

/**
 * Parses `bytes` (the parser's to keep: payloads are views of them) for a connection with
 * `settings`, telling `to` of each packet and error as they come.
 */
export function parseFor(
  bytes: Uint8Array,
  settings: ParserSettings,
  to: ParseTarget,
): ParseOutcome {
  // A parse inside a parse (a packet handler feeding another connection's decoder at once) must
  // not share the state in use: it gets a parser of its own.
  const outer = target;
  const { parser, internals } = outer === undefined ? (shared ??= makeParser()) : makeParser();
  target = to;
  internals.settings = settings as ParserSettings;
  try {
    parser.parse(bytes);
    let after = internals.settings;
    if (after !== settings) {
      // A CONNECT: keep what later packets need, not the packet itself (its password included).
      after = after.bridgeMode === true
        ? { protocolVersion: after.protocolVersion, bridgeMode: true }
        : { protocolVersion: after.protocolVersion };
    }
    const unfinished = internals._list.length > 0 || internals._stateCounter !== 0;
    return {
      settings: after,
      pendingLength: internals.packet.length,
      complete: internals.error === null && !unfinished,
    };
  } finally {
    target = outer;
    // Whatever this parse left (an error, a packet cut short) must not reach the next one.
    if (internals.error !== null || internals._list.length > 0 || internals._stateCounter !== 0) {
      internals._resetState();
      internals._pos = 0;
    }
    internals.settings = INITIAL_SETTINGS;
  }
}
