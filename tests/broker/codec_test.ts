import assert from "node:assert/strict";
import type { Packet } from "mqtt-packet";
import { Buffer } from "node:buffer";
import { encodePacket, PacketDecoder } from "../../src/broker/codec.ts";
import type { ProtocolVersion } from "../../src/broker/codec.ts";
import { ProtocolError } from "../../src/broker/errors.ts";
import { createMessage } from "../../src/broker/message.ts";
import { type EncodedPublish, OutgoingPublish } from "../../src/broker/outgoing.ts";

// Byte builders following the spec's data representations (§1.5).
const utf8 = new TextEncoder();
const u16 = (n: number) => [n >> 8, n & 0xff];
const str = (s: string) => [...u16(utf8.encode(s).length), ...utf8.encode(s)];
const u32 = (n: number) => [n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
/** A fixed header byte then Remaining Length (< 128 here) then the rest. */
const frame = (header: number, rest: number[]) => new Uint8Array([header, rest.length, ...rest]);

interface RoundTrip {
  name: string;
  version: ProtocolVersion;
  packet: Packet;
  bytes: Uint8Array;
}

const table: RoundTrip[] = [
  {
    name: "CONNECT",
    version: 4,
    packet: {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      clientId: "c1",
    },
    // protocol name, level 4, flags 0x02 (clean session), keep-alive, client id
    bytes: frame(0x10, [...str("MQTT"), 4, 0x02, ...u16(60), ...str("c1")]),
  },
  {
    name: "CONNACK accepted",
    version: 4,
    packet: { cmd: "connack", returnCode: 0, sessionPresent: false },
    bytes: frame(0x20, [0x00, 0x00]),
  },
  {
    name: "PUBLISH QoS 0",
    version: 4,
    packet: {
      cmd: "publish",
      topic: "a/b",
      payload: Buffer.from("hi"),
      qos: 0,
      retain: false,
      dup: false,
    },
    bytes: frame(0x30, [...str("a/b"), ...utf8.encode("hi")]),
  },
  {
    name: "PUBLISH QoS 1 retained",
    version: 4,
    packet: {
      cmd: "publish",
      topic: "a/b",
      payload: Buffer.from("hi"),
      qos: 1,
      retain: true,
      dup: false,
      messageId: 10,
    },
    bytes: frame(0x33, [...str("a/b"), ...u16(10), ...utf8.encode("hi")]),
  },
  {
    name: "PUBACK",
    version: 4,
    packet: { cmd: "puback", messageId: 10 },
    bytes: frame(0x40, u16(10)),
  },
  {
    name: "SUBSCRIBE",
    version: 4,
    packet: { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a/#", qos: 1 }] },
    bytes: frame(0x82, [...u16(1), ...str("a/#"), 0x01]),
  },
  {
    name: "SUBACK with a failure",
    version: 4,
    packet: { cmd: "suback", messageId: 1, granted: [1, 0x80] },
    bytes: frame(0x90, [...u16(1), 0x01, 0x80]),
  },
  {
    name: "UNSUBSCRIBE",
    version: 4,
    packet: { cmd: "unsubscribe", messageId: 2, unsubscriptions: ["a/#"] },
    bytes: frame(0xa2, [...u16(2), ...str("a/#")]),
  },
  {
    name: "UNSUBACK",
    version: 4,
    // 3.1.1 UNSUBACK has no payload, so no per-filter codes (§3.11).
    packet: { cmd: "unsuback", messageId: 2 } as Packet,
    bytes: frame(0xb0, u16(2)),
  },
  { name: "PINGREQ", version: 4, packet: { cmd: "pingreq" }, bytes: frame(0xc0, []) },
  { name: "PINGRESP", version: 4, packet: { cmd: "pingresp" }, bytes: frame(0xd0, []) },
  { name: "DISCONNECT", version: 4, packet: { cmd: "disconnect" }, bytes: frame(0xe0, []) },
  {
    name: "CONNECT",
    version: 5,
    packet: {
      cmd: "connect",
      protocolId: "MQTT",
      protocolVersion: 5,
      clean: true,
      keepalive: 30,
      clientId: "c5",
      properties: { receiveMaximum: 10 },
    },
    // ... keep-alive, properties (length 3: Receive Maximum 0x21 = 10), client id
    bytes: frame(0x10, [...str("MQTT"), 5, 0x02, ...u16(30), 3, 0x21, ...u16(10), ...str("c5")]),
  },
  {
    name: "CONNACK with properties",
    version: 5,
    packet: {
      cmd: "connack",
      reasonCode: 0,
      sessionPresent: false,
      properties: { maximumQoS: 1, retainAvailable: true, assignedClientIdentifier: "id" },
    },
    // Maximum QoS 0x24, Retain Available 0x25, Assigned Client Identifier 0x12
    bytes: frame(0x20, [0x00, 0x00, 2 + 2 + 1 + 4, 0x24, 1, 0x25, 1, 0x12, ...str("id")]),
  },
  {
    name: "CONNACK refused",
    version: 5,
    packet: { cmd: "connack", reasonCode: 0x84, sessionPresent: false },
    bytes: frame(0x20, [0x00, 0x84, 0]),
  },
  {
    name: "PUBLISH QoS 1 with properties",
    version: 5,
    packet: {
      cmd: "publish",
      topic: "t",
      payload: Buffer.from("x"),
      qos: 1,
      retain: false,
      dup: false,
      messageId: 5,
      properties: { messageExpiryInterval: 30, contentType: "json" },
    },
    // Message Expiry Interval 0x02 (four bytes), Content Type 0x03 (string)
    bytes: frame(0x32, [
      ...str("t"),
      ...u16(5),
      5 + 7,
      0x02,
      ...u32(30),
      0x03,
      ...str("json"),
      ...utf8.encode("x"),
    ]),
  },
  {
    name: "PUBACK not authorized",
    version: 5,
    packet: { cmd: "puback", messageId: 5, reasonCode: 0x87 },
    bytes: frame(0x40, [...u16(5), 0x87, 0]),
  },
  {
    name: "SUBSCRIBE with options and identifier",
    version: 5,
    packet: {
      cmd: "subscribe",
      messageId: 3,
      properties: { subscriptionIdentifier: 7 },
      subscriptions: [{ topic: "a/+", qos: 1, nl: true, rap: true, rh: 2 }],
    },
    // Subscription Identifier 0x0B (variable byte integer); options: QoS 1 | NL 0x04 | RAP
    // 0x08 | Retain Handling 2 << 4
    bytes: frame(0x82, [...u16(3), 2, 0x0b, 7, ...str("a/+"), 0x01 | 0x04 | 0x08 | 0x20]),
  },
  {
    name: "SUBACK with reason codes",
    version: 5,
    packet: { cmd: "suback", messageId: 3, granted: [1, 0x8f] },
    bytes: frame(0x90, [...u16(3), 0, 0x01, 0x8f]),
  },
  {
    name: "UNSUBACK with reason codes",
    version: 5,
    packet: { cmd: "unsuback", messageId: 4, granted: [0x00, 0x11] },
    bytes: frame(0xb0, [...u16(4), 0, 0x00, 0x11]),
  },
  {
    name: "DISCONNECT session taken over",
    version: 5,
    packet: { cmd: "disconnect", reasonCode: 0x8e },
    bytes: frame(0xe0, [0x8e, 0]),
  },
];

/** Decodes `bytes`, fed one byte at a time so packet framing across reads is exercised too. */
function decodeBytewise(bytes: Uint8Array, version: ProtocolVersion): Packet[] {
  const packets: Packet[] = [];
  const decoder = new PacketDecoder({ maxPacketSize: 1024, onPacket: (p) => packets.push(p) });
  if (version === 5) {
    // The decoder learns the version from CONNECT, as on a real connection.
    decoder.push(
      encodePacket({
        cmd: "connect",
        protocolVersion: 5,
        clientId: "v5",
        clean: true,
        keepalive: 0,
      }, 5),
    );
    packets.length = 0;
  }
  for (const byte of bytes) decoder.push(new Uint8Array([byte]));
  return packets;
}

for (const { name, version, packet, bytes } of table) {
  Deno.test(`codec encodes ${name} (MQTT ${version === 4 ? "3.1.1" : "5"}) to the spec's bytes`, () => {
    assert.deepEqual([...encodePacket(packet, version)], [...bytes]);
  });

  Deno.test(`codec decodes ${name} (MQTT ${version === 4 ? "3.1.1" : "5"}) from the spec's bytes`, () => {
    const decoded = decodeBytewise(bytes, version);
    assert.equal(decoded.length, 1);
    const got = decoded[0] as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(packet)) {
      // Decoded payloads and binary properties are Buffers; compare bytes.
      const actual = got[field];
      assert.deepEqual(normalize(actual), normalize(value), `${name}.${field}`);
    }
    // And back: the decoded packet encodes to the same bytes.
    assert.deepEqual([...encodePacket(decoded[0]!, version)], [...bytes]);
  });
}

function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return [...value];
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  if (Array.isArray(value)) return value.map(normalize);
  return value;
}

Deno.test("PacketDecoder rejects malformed bytes with reason 0x81", () => {
  const decoder = new PacketDecoder({ maxPacketSize: 1024, onPacket: () => {} });
  // PUBACK with flags 0111: reserved flags must be 0000 [MQTT-2.2.2-2].
  assert.throws(
    () => decoder.push(new Uint8Array([0x47, 0x02, 0x00, 0x01])),
    (error: ProtocolError) => error instanceof ProtocolError && error.reasonCode === 0x81,
  );
});

Deno.test("PacketDecoder rejects an oversize packet from its header alone (0x95)", () => {
  const maxPacketSize = 128;
  const received: Packet[] = [];
  const decoder = new PacketDecoder({ maxPacketSize, onPacket: (p) => received.push(p) });
  // PUBLISH announcing a Remaining Length of 200 (varint 0xC8 0x01), no body yet.
  assert.throws(
    () => decoder.push(new Uint8Array([0x30, 0xc8, 0x01])),
    (error: ProtocolError) =>
      error.reasonCode === 0x95 && /maximum packet size of 128/.test(error.message),
  );
  assert.deepEqual(received, []);
});

Deno.test("PacketDecoder accepts a packet of exactly the maximum size", () => {
  const payload = "x".repeat(100);
  const bytes = encodePacket({
    cmd: "publish",
    topic: "t",
    payload,
    qos: 0,
    retain: false,
    dup: false,
  }, 4);
  const received: Packet[] = [];
  const decoder = new PacketDecoder({
    maxPacketSize: bytes.byteLength,
    onPacket: (p) => received.push(p),
  });
  decoder.push(bytes);
  assert.equal(received.length, 1);
});

Deno.test("OutgoingPublish patches each QoS 1 packet id into a shared template", () => {
  const message = createMessage(
    { topic: "a/b", payload: "hello", qos: 1, retain: false },
    undefined,
  );
  const outgoing = new OutgoingPublish(message);
  for (const version of [4, 5] as const) {
    for (const packetId of [1, 258, 65_535]) {
      const expected = encodePacket({
        cmd: "publish",
        topic: "a/b",
        payload: Buffer.from("hello"),
        qos: 1,
        retain: true,
        dup: false,
        messageId: packetId,
      }, version);
      assert.deepEqual([...bytesOf(outgoing.encode(version, 1, true, packetId))], [...expected]);
      const redelivery = encodePacket({
        cmd: "publish",
        topic: "a/b",
        payload: Buffer.from("hello"),
        qos: 1,
        retain: true,
        dup: true,
        messageId: packetId,
      }, version);
      assert.deepEqual(
        [...bytesOf(outgoing.encode(version, 1, true, packetId, undefined, true))],
        [...redelivery],
      );
    }
  }
});

Deno.test("PublishCopy writes its packet into a batch at any offset, the template untouched", () => {
  const message = createMessage(
    { topic: "a/b", payload: "hello", qos: 1, retain: false },
    undefined,
  );
  const outgoing = new OutgoingPublish(message);
  const template = bytesOf(outgoing.encode(4, 1, false, 0));
  const batch = new Uint8Array(3 + 2 * template.byteLength).fill(0xee);
  const copy = (packetId: number, dup: boolean) => {
    const encoded = outgoing.encode(4, 1, false, packetId, undefined, dup);
    assert.ok(!(encoded instanceof Uint8Array), "a QoS 1 copy of the template");
    return encoded;
  };
  copy(0x0102, false).writeTo(batch, 3);
  copy(0x0304, true).writeTo(batch, 3 + template.byteLength);
  const expected = (packetId: number, dup: boolean) => helloPublish(packetId, dup, 4);
  assert.deepEqual([...batch.subarray(0, 3)], [0xee, 0xee, 0xee]);
  assert.deepEqual([...batch.subarray(3, 3 + template.byteLength)], [...expected(0x0102, false)]);
  assert.deepEqual([...batch.subarray(3 + template.byteLength)], [...expected(0x0304, true)]);
  // The shared template still has packet id 0 and no DUP.
  assert.deepEqual([...bytesOf(outgoing.encode(4, 1, false, 0))], [...template]);
  assert.equal(template[0], 0x32);
});

/** mqtt-packet's QoS 1 PUBLISH of "hello" on a/b, not retained: what the copies must match. */
function helloPublish(packetId: number, dup: boolean, version: ProtocolVersion): Uint8Array {
  return encodePacket({
    cmd: "publish",
    topic: "a/b",
    payload: Buffer.from("hello"),
    qos: 1,
    retain: false,
    dup,
    messageId: packetId,
  }, version);
}

/** The bytes of an encoded PUBLISH, made from its template if it is a copy. */
function bytesOf(encoded: EncodedPublish): Uint8Array {
  if (encoded instanceof Uint8Array) return encoded;
  const bytes = new Uint8Array(encoded.byteLength);
  encoded.writeTo(bytes, 0);
  return bytes;
}

Deno.test("OutgoingPublish gives every subscriber on its preferred packet id the same bytes", () => {
  const message = createMessage(
    { topic: "a/b", payload: "hello", qos: 1, retain: false },
    undefined,
  );
  const preferred = 0x0203;
  const outgoing = new OutgoingPublish(message, Date.now(), preferred);
  const expected = (packetId: number, dup: boolean, version: ProtocolVersion) => [
    ...helloPublish(packetId, dup, version),
  ];
  for (const version of [4, 5] as const) {
    const first = outgoing.encode(version, 1, false, preferred);
    // One object for all of them, so their write queues can share the batch it is copied into.
    assert.equal(outgoing.encode(version, 1, false, preferred), first);
    assert.deepEqual([...bytesOf(first)], expected(preferred, false, version));
    // A session with that id still in flight gets its own id; a redelivery gets DUP.
    assert.deepEqual(
      [...bytesOf(outgoing.encode(version, 1, false, 9))],
      expected(9, false, version),
    );
    assert.deepEqual(
      [...bytesOf(outgoing.encode(version, 1, false, preferred, undefined, true))],
      expected(preferred, true, version),
    );
    assert.deepEqual([...bytesOf(first)], expected(preferred, false, version));
  }
});
