/**
 * The decoder's path for short acknowledgements and PINGREQ (src/broker/_short_packets.ts) must
 * give exactly what mqtt-packet's parser gives on the same bytes, however they are split across
 * reads, and leave every other byte pattern (wrong flags, lengths, reason codes) to the parser.
 */
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import type { Packet } from "mqtt-packet";
import { Buffer } from "node:buffer";
import { encodePacket, PacketDecoder } from "../../src/broker/codec.ts";
import type { ProtocolVersion } from "../../src/broker/codec.ts";
import { ProtocolError } from "../../src/broker/errors.ts";

const connect = (version: ProtocolVersion) =>
  encodePacket({
    cmd: "connect",
    protocolVersion: version,
    clientId: "c",
    clean: true,
    keepalive: 0,
  }, version);

const publish = (version: ProtocolVersion) =>
  encodePacket({
    cmd: "publish",
    topic: "a/b",
    payload: "payload",
    qos: 1,
    messageId: 7,
    retain: false,
    dup: false,
  }, version);

/** What a test compares: the fields any handler reads. */
function summary(packet: Packet): Record<string, unknown> {
  const fields = packet as unknown as Record<string, unknown>;
  return {
    cmd: fields.cmd,
    messageId: fields.messageId,
    reasonCode: fields.reasonCode,
    properties: fields.properties,
    topic: fields.cmd === "publish" ? fields.topic : undefined,
    payload: fields.cmd === "publish" ? [...(fields.payload as Uint8Array)] : undefined,
  };
}

interface Outcome {
  packets: Record<string, unknown>[];
  failed: boolean;
}

/** mqtt-packet's own parser, fed everything at once: the reference. */
function reference(bytes: Uint8Array, version: ProtocolVersion): Outcome {
  const packets: Record<string, unknown>[] = [];
  let failed = false;
  const parser = mqttPacket.parser();
  parser.on("packet", (packet) => {
    if (!failed) packets.push(summary(packet));
  });
  parser.on("error", () => failed = true);
  parser.parse(Buffer.concat([connect(version), bytes]));
  return { packets: packets.slice(1), failed };
}

/** The broker's decoder, fed `bytes` in the given pieces after a CONNECT. */
function decode(bytes: Uint8Array, version: ProtocolVersion, cuts: number[]): Outcome {
  const packets: Record<string, unknown>[] = [];
  const decoder = new PacketDecoder({
    maxPacketSize: 1024,
    onPacket: (packet) => packets.push(summary(packet)),
  });
  decoder.push(connect(version));
  packets.length = 0;
  const bounds = [0, ...cuts, bytes.byteLength];
  try {
    for (let i = 0; i + 1 < bounds.length; i++) {
      // One reused read buffer, overwritten after every push, as the read loop does.
      const read = new Uint8Array(bytes.subarray(bounds[i], bounds[i + 1]));
      decoder.push(read);
      read.fill(0xff);
    }
  } catch (error) {
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.reasonCode, 0x81);
    return { packets, failed: true };
  }
  return { packets, failed: false };
}

const concat = (...parts: (Uint8Array | number[])[]) =>
  new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));

interface Case {
  name: string;
  version: ProtocolVersion;
  bytes: Uint8Array;
  /** Where the broker is stricter than mqtt-packet: what it does instead. */
  expected?: Outcome;
}

/**
 * An acknowledgement too short for its packet identifier is malformed (§3.4.1, §3.4.2);
 * mqtt-packet's parser would take the identifier from the next packet's bytes.
 */
const TRUNCATED: Outcome = { packets: [], failed: true };

const cases: Case[] = [];
for (const version of [4, 5] as const) {
  cases.push(
    { name: "PUBACK", version, bytes: concat([0x40, 0x02, 0x12, 0x34]) },
    {
      name: "PUBREC, PUBREL, PUBCOMP, PINGREQ",
      version,
      bytes: concat([0x50, 2, 0, 1, 0x62, 2, 0, 1, 0x70, 2, 0, 1, 0xc0, 0]),
    },
    {
      name: "acks around a PUBLISH",
      version,
      bytes: concat([0x40, 2, 0, 1], publish(version), [0x40, 2, 0, 2, 0xc0, 0], publish(version)),
    },
    { name: "PUBACK with packet id 0", version, bytes: concat([0x40, 0x02, 0x00, 0x00]) },
    {
      name: "PUBACK with reserved flags set [MQTT-2.2.2-2]",
      version,
      bytes: concat([0x40, 2, 0, 1, 0x42, 0x02, 0x00, 0x01]),
    },
    {
      name: "PUBREL with flags 0000 [MQTT-3.6.1-1]",
      version,
      bytes: concat([0x60, 0x02, 0x00, 0x01]),
    },
    { name: "PINGREQ with flags", version, bytes: concat([0xc1, 0x00]) },
    { name: "PINGREQ with a Remaining Length", version, bytes: concat([0xc0, 0x01, 0x00]) },
    {
      name: "PUBACK with Remaining Length 3",
      version,
      bytes: concat([0x40, 0x03, 0x00, 0x01, 0x10, 0xc0, 0x00]),
    },
    {
      name: "PUBACK with Remaining Length 0",
      version,
      bytes: concat([0x40, 0x00, 0xc0, 0x00]),
      expected: TRUNCATED,
    },
    {
      name: "PUBACK with Remaining Length 1",
      version,
      bytes: concat([0x40, 0x01, 0x00, 0xc0, 0x00]),
      expected: TRUNCATED,
    },
    {
      name: "PUBACK whose properties run past its Remaining Length",
      version,
      bytes: concat([0x40, 0x05, 0x00, 0x05, 0x10, 0x05, 0x1f, 0x00, 0x02, 0x6f, 0x6b]),
    },
    { name: "an HTTP request", version, bytes: new TextEncoder().encode("GET / HTTP/1.1\r\n") },
    { name: "a PUBLISH with QoS 3, body not yet sent", version, bytes: concat([0x36, 0x40, 0x00]) },
    {
      name: "a SUBSCRIBE with flags 0000, body not yet sent",
      version,
      bytes: concat([0x80, 0x10, 0x00]),
    },
    { name: "a packet of reserved type 0", version, bytes: concat([0x00, 0x02, 0x00, 0x01]) },
    {
      name: "PUBACK with a 5-byte Remaining Length",
      version,
      bytes: concat([0x40, 0x80, 0x80, 0x80, 0x80, 0x01]),
    },
    {
      name: "PUBACK with an error reason code",
      version,
      bytes: concat([0x40, 0x03, 0x00, 0x05, 0x80]),
    },
    {
      name: "PUBACK with an invalid reason code",
      version,
      bytes: concat([0x40, 0x03, 0x00, 0x05, 0x42]),
    },
    {
      name: "PUBACK with reason code and properties",
      version,
      // reason 0x10 (no matching subscribers), properties: reason string "ok"
      bytes: concat([0x40, 0x09, 0x00, 0x05, 0x10, 0x05, 0x1f, 0x00, 0x02, 0x6f, 0x6b, 0xc0, 0x00]),
    },
    {
      name: "PUBREC with an error reason code",
      version,
      bytes: concat([0x50, 0x03, 0x00, 0x05, 0x87]),
    },
  );
}

for (const { name, version, bytes, expected: stricter } of cases) {
  const label = `MQTT ${version === 4 ? "3.1.1" : "5"}`;
  Deno.test(`PacketDecoder reads ${name} (${label}) as mqtt-packet does, in one read`, () => {
    assert.deepEqual(decode(bytes, version, []), stricter ?? reference(bytes, version));
  });

  Deno.test(`PacketDecoder reads ${name} (${label}) as mqtt-packet does, byte by byte`, () => {
    const everyByte = Array.from({ length: bytes.byteLength - 1 }, (_, i) => i + 1);
    assert.deepEqual(decode(bytes, version, everyByte), stricter ?? reference(bytes, version));
  });

  Deno.test(`PacketDecoder reads ${name} (${label}) as mqtt-packet does, split anywhere in two`, () => {
    const expected = stricter ?? reference(bytes, version);
    for (let cut = 1; cut < bytes.byteLength; cut++) {
      assert.deepEqual(decode(bytes, version, [cut]), expected, `cut at ${cut}`);
    }
  });
}

Deno.test("PacketDecoder rejects a PUBACK with reserved flags after short acks in the same read", () => {
  const received: Packet[] = [];
  const decoder = new PacketDecoder({ maxPacketSize: 1024, onPacket: (p) => received.push(p) });
  decoder.push(connect(4));
  assert.throws(
    () => decoder.push(new Uint8Array([0x40, 2, 0, 1, 0x41, 2, 0, 2, 0x40, 2, 0, 3])),
    (error: ProtocolError) => error.reasonCode === 0x81,
  );
  // The packet before the malformed one was handled; none after it.
  assert.deepEqual(received.slice(1).map((p) => [p.cmd, (p as { messageId?: number }).messageId]), [
    ["puback", 1],
  ]);
  // And it stays failed.
  assert.throws(() => decoder.push(new Uint8Array([0x40, 2, 0, 4])), ProtocolError);
});

Deno.test("PacketDecoder rejects an oversize packet announced across reads, before its body", () => {
  const received: Packet[] = [];
  const decoder = new PacketDecoder({ maxPacketSize: 128, onPacket: (p) => received.push(p) });
  decoder.push(new Uint8Array([0x30]));
  decoder.push(new Uint8Array([0xc8]));
  assert.throws(
    () => decoder.push(new Uint8Array([0x01])),
    (error: ProtocolError) => error.reasonCode === 0x95,
  );
  assert.deepEqual(received, []);
});

Deno.test("PacketDecoder gathers a PUBLISH split across reads into a payload of its own", () => {
  const received: Packet[] = [];
  const decoder = new PacketDecoder({ maxPacketSize: 1024, onPacket: (p) => received.push(p) });
  const bytes = publish(4);
  const read = new Uint8Array(bytes.byteLength);
  for (const [from, to] of [[0, 1], [1, 3], [3, bytes.byteLength]] as const) {
    read.set(bytes.subarray(from, to));
    decoder.push(read.subarray(0, to - from));
    read.fill(0);
  }
  assert.equal(received.length, 1);
  assert.equal(
    new TextDecoder().decode((received[0] as { payload: Uint8Array }).payload),
    "payload",
  );
});

Deno.test("PacketDecoders share one parser without sharing a connection's version or errors", () => {
  const got: Record<string, Packet[]> = { v4: [], v5: [] };
  const v4 = new PacketDecoder({ maxPacketSize: 1024, onPacket: (p) => got.v4!.push(p) });
  const v5 = new PacketDecoder({ maxPacketSize: 1024, onPacket: (p) => got.v5!.push(p) });
  v5.push(connect(5));
  v4.push(connect(4));
  // PUBACK with reason code 0x87: read in MQTT 5, the extra byte ignored in 3.1.1.
  const puback = new Uint8Array([0x40, 0x03, 0x00, 0x01, 0x87]);
  v5.push(puback);
  v4.push(puback);
  assert.equal((got.v5![1] as { reasonCode?: number }).reasonCode, 0x87);
  assert.equal((got.v4![1] as { reasonCode?: number }).reasonCode, undefined);
  // A packet that fails half-way through its properties on one connection…
  assert.throws(
    () => v5.push(new Uint8Array([0x40, 0x05, 0x00, 0x05, 0x10, 0x05, 0x1f])),
    (error: ProtocolError) => error.reasonCode === 0x81,
  );
  // …leaves nothing behind for the other: a PUBLISH after it parses whole.
  v4.push(publish(4));
  const last = got.v4!.at(-1) as { cmd: string; payload: Uint8Array };
  assert.equal(last.cmd, "publish");
  assert.equal(new TextDecoder().decode(last.payload), "payload");
});
