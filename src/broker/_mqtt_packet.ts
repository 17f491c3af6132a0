/**
 * mqtt-packet's parser and `generate`, without the rest of its dependency tree.
 *
 * mqtt-packet is CommonJS, and loading it as an npm package pulls in Deno's CommonJS loader, bl's
 * stream (a readable-stream Duplex per parser, plus readable-stream itself and the npm `buffer`,
 * `events`, `process` and `abort-controller` polyfills it depends on), `debug` and
 * `process-nextick-args`: about 9 MB of a Pi's memory before the first client, and about 1 KB per
 * connection for a stream nothing reads. The parser only uses bl's plain `BufferList` (append,
 * consume, read, slice), and the encoder's `nextTick` only runs for a stream that has `cork`,
 * which `generate`'s accumulator has not.
 *
 * So the package's own files, exactly as locked in deno.lock, are imported as text and run as the
 * CommonJS modules they are, with a `require` that hands them Deno's `node:buffer` and
 * `node:events`, bl's `BufferList` (loaded the same way) in place of its stream, and no-ops for
 * `debug` (off unless `DEBUG` is set, and never set for a broker) and `process-nextick-args`
 * (`queueMicrotask`). Nothing of mqtt-packet is rewritten; an upgrade changes the version below
 * and in deno.json together.
 */
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import type { Packet } from "mqtt-packet";
import parserSource from "mqtt-packet/parser.js" with { type: "text" };
import packetSource from "mqtt-packet/packet.js" with { type: "text" };
import constantsSource from "mqtt-packet/constants.js" with { type: "text" };
import generateSource from "mqtt-packet/generate.js" with { type: "text" };
import writeToStreamSource from "mqtt-packet/writeToStream.js" with { type: "text" };
import numbersSource from "mqtt-packet/numbers.js" with { type: "text" };
import bufferListSource from "bl/BufferList.js" with { type: "text" };

/** mqtt-packet's streaming parser: `parse(bytes)` emits `packet` and `error`. */
export interface MqttParser {
  parse(bytes: Uint8Array): number;
  on(event: "packet", listener: (packet: Packet) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
}

/** mqtt-packet's encoder of one packet, with its switch for the 65,536-entry number cache. */
export interface MqttGenerate {
  (packet: Packet, options?: { protocolVersion?: number }): Uint8Array;
}

/** The module sources by the name mqtt-packet's files `require` them with. */
const SOURCES: Readonly<Record<string, readonly [string, string]>> = {
  "./parser": ["mqtt-packet@9.0.2/parser.js", parserSource],
  "./packet": ["mqtt-packet@9.0.2/packet.js", packetSource],
  "./constants": ["mqtt-packet@9.0.2/constants.js", constantsSource],
  "./generate": ["mqtt-packet@9.0.2/generate.js", generateSource],
  "./writeToStream": ["mqtt-packet@9.0.2/writeToStream.js", writeToStreamSource],
  "./numbers": ["mqtt-packet@9.0.2/numbers.js", numbersSource],
  "bl/BufferList": ["bl@6.1.6/BufferList.js", bufferListSource],
};

/** `require('debug')(namespace)`: a logger that logs nothing. */
const noDebug = Object.assign(() => noDebugLogger, { enabled: () => false });
const noDebugLogger = Object.assign(() => {}, { enabled: false });

const loaded = new Map<string, unknown>();

function requireModule(name: string): unknown {
  switch (name) {
    case "buffer":
      return { Buffer };
    case "events":
      return { EventEmitter };
    case "debug":
      return noDebug;
    case "process-nextick-args":
      return {
        nextTick: (callback: (...args: unknown[]) => void, ...args: unknown[]) =>
          queueMicrotask(() => callback(...args)),
      };
    case "bl": {
      // The parser calls bl() for its buffer list; the plain list has every method it uses.
      const BufferList = requireModule("bl/BufferList") as new () => unknown;
      return () => new BufferList();
    }
  }
  const known = loaded.get(name);
  if (known !== undefined) return known;
  const source = SOURCES[name];
  if (source === undefined) throw new Error(`mqtt-packet requires "${name}", which is not wired`);
  const module: { exports: unknown } = { exports: {} };
  // A CommonJS module body, run once with its own require, module and exports, as Node runs it;
  // the source URL names the file in stack traces.
  const body = new Function(
    "require",
    "module",
    "exports",
    `${source[1]}\n//# sourceURL=npm:${source[0]}`,
  );
  body(requireModule, module, module.exports);
  loaded.set(name, module.exports);
  return module.exports;
}

const ParserClass = requireModule("./parser") as { parser(): MqttParser };

/** A new mqtt-packet parser (its `Parser.parser()`). */
export function createParser(): MqttParser {
  return ParserClass.parser();
}

/** mqtt-packet's `generate(packet, { protocolVersion })`. */
export const generate = requireModule("./generate") as MqttGenerate;

/** mqtt-packet's `writeToStream`, whose `cacheNumbers` switch `generate` follows. */
export const writeToStream = requireModule("./writeToStream") as { cacheNumbers: boolean };

const constants = requireModule("./constants") as {
  requiredHeaderFlags: Readonly<Record<number, number>>;
};

/**
 * Whether the parser's checks of a fixed header's first byte pass: the flags a packet type
 * requires [MQTT-2.2.2-2] and a QoS below 3 [MQTT-3.3.1-4]. The parser makes them on that byte
 * alone, before the rest of the packet has arrived.
 */
export function headerByteIsValid(firstByte: number): boolean {
  const required = constants.requiredHeaderFlags[firstByte >> 4];
  if (required !== undefined && required !== null && (firstByte & 0x0f) !== required) return false;
  return ((firstByte >> 1) & 0x03) !== 3;
}
