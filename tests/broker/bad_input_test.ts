import assert from "node:assert/strict";
import type { IDisconnectPacket, ISubackPacket, Packet } from "mqtt-packet";
import {
  assertStillDelivers,
  connectBytes,
  connectClient,
  encode,
  Inbox,
  RawClient,
  startBroker,
} from "./_helpers.ts";

const MAX_PACKET_SIZE = 1024;
/** The Topic Alias Maximum a broker announces when not configured (BrokerOptions default). */
const DEFAULT_TOPIC_ALIAS_MAXIMUM = 10;
const utf8 = new TextEncoder();

interface BadInputCase {
  name: string;
  protocolVersion: 4 | 5;
  /** Send CONNECT first (and expect CONNACK). */
  connectFirst: boolean;
  bytes: () => Uint8Array;
  /** What the broker sends after the CONNACK, if anything. */
  expectedAfterConnack: { cmd: "disconnect"; reasonCode: number } | undefined;
}

const publish = (protocolVersion: 4 | 5, fields: Partial<Packet & { cmd: "publish" }> = {}) =>
  encode({
    cmd: "publish",
    topic: "bad/topic",
    payload: "x",
    qos: 0,
    retain: false,
    dup: false,
    ...fields,
  } as Packet, protocolVersion);

const cases: BadInputCase[] = [
  {
    name: "garbage bytes instead of CONNECT",
    protocolVersion: 4,
    connectFirst: false,
    bytes: () => utf8.encode("GET / HTTP/1.1\r\nHost: broker\r\n\r\n"),
    expectedAfterConnack: undefined,
  },
  {
    name: "a PUBLISH before CONNECT [MQTT-3.1.0-1]",
    protocolVersion: 4,
    connectFirst: false,
    bytes: () => publish(4),
    expectedAfterConnack: undefined,
  },
  {
    name: "a second CONNECT (3.1.1) [MQTT-3.1.0-2]",
    protocolVersion: 4,
    connectFirst: true,
    bytes: () => connectBytes(4),
    expectedAfterConnack: undefined,
  },
  {
    name: "a second CONNECT (5) [MQTT-3.1.0-2]",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => connectBytes(5),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x82 },
  },
  {
    name: "a packet over the maximum packet size (3.1.1)",
    protocolVersion: 4,
    connectFirst: true,
    bytes: () => publish(4, { payload: "x".repeat(MAX_PACKET_SIZE * 2) }),
    expectedAfterConnack: undefined,
  },
  {
    name: "a packet over the maximum packet size (5)",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => publish(5, { payload: "x".repeat(MAX_PACKET_SIZE * 2) }),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x95 },
  },
  {
    name: "a header announcing an oversize packet, body never sent (5)",
    protocolVersion: 5,
    connectFirst: true,
    // PUBLISH, Remaining Length 2,097,152 as a variable byte integer (§1.5.5).
    bytes: () => new Uint8Array([0x30, 0x80, 0x80, 0x80, 0x01]),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x95 },
  },
  {
    name: "wildcards in a PUBLISH topic [MQTT-3.3.2-2]",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => publish(5, { topic: "bad/+/topic" }),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x90 },
  },
  {
    name: "packet id 0 on a QoS 1 PUBLISH [MQTT-2.3.1-1]",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => publish(5, { qos: 1, messageId: 0 }),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x82 },
  },
  {
    name: "packet id 0 on a QoS 2 PUBLISH [MQTT-2.3.1-1]",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => publish(5, { qos: 2, messageId: 0 }),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x82 },
  },
  {
    name: "a topic alias beyond the Topic Alias Maximum [MQTT-3.3.2-9]",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => publish(5, { properties: { topicAlias: DEFAULT_TOPIC_ALIAS_MAXIMUM + 1 } }),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x94 },
  },
  {
    name: "topic alias 0 [MQTT-3.3.2-8]",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => publish(5, { properties: { topicAlias: 0 } }),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x94 },
  },
  {
    name: "an empty topic with a topic alias never set up",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => publish(5, { topic: "", properties: { topicAlias: 1 } }),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x82 },
  },
  {
    name: "a truncated PUBLISH (malformed)",
    protocolVersion: 5,
    connectFirst: true,
    // Remaining Length 2 holds only a topic length of 5: the topic itself is missing.
    bytes: () => new Uint8Array([0x30, 0x02, 0x00, 0x05]),
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x81 },
  },
  {
    name: "SUBSCRIBE with reserved flags 0000 [MQTT-3.8.1-1]",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => {
      const bytes = encode({
        cmd: "subscribe",
        messageId: 1,
        subscriptions: [{ topic: "a/b", qos: 0 }],
      }, 5);
      bytes[0] = 0x80; // the fixed header flags must be 0010
      return bytes;
    },
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x81 },
  },
  {
    name: "PUBREL with reserved flags 0000 [MQTT-3.6.1-1]",
    protocolVersion: 5,
    connectFirst: true,
    bytes: () => {
      const bytes = encode({ cmd: "pubrel", messageId: 1 }, 5);
      bytes[0] = 0x60; // the fixed header flags must be 0010
      return bytes;
    },
    expectedAfterConnack: { cmd: "disconnect", reasonCode: 0x81 },
  },
];

for (const badInput of cases) {
  Deno.test(`Broker closes only the connection that sends ${badInput.name}`, async () => {
    await using broker = await startBroker({ maxPacketSize: MAX_PACKET_SIZE });
    await using bystander = await connectClient(broker, 5);
    const inbox = new Inbox(bystander);
    await bystander.subscribeAsync("alive/#");

    using raw = await RawClient.open(broker, badInput.protocolVersion);
    if (badInput.connectFirst) {
      await raw.write(connectBytes(badInput.protocolVersion));
      const [connack] = await raw.readPackets(1);
      assert.equal(connack?.cmd, "connack");
    }
    await raw.write(badInput.bytes());
    const packets = await raw.readUntilClosed();

    const afterConnack = badInput.connectFirst ? packets.slice(1) : packets;
    if (badInput.expectedAfterConnack === undefined) {
      assert.deepEqual(afterConnack, []);
    } else {
      assert.deepEqual(afterConnack.map((packet) => packet.cmd), [
        badInput.expectedAfterConnack.cmd,
      ]);
      assert.equal(
        (afterConnack[0] as IDisconnectPacket).reasonCode,
        badInput.expectedAfterConnack.reasonCode,
      );
    }
    assert.equal(broker.stats().protocolErrors, 1);
    await assertStillDelivers(broker, inbox, "alive/check");
    assert.equal(bystander.connected, true);
  });
}

for (const protocolVersion of [4, 5] as const) {
  Deno.test(`Broker refuses invalid topic filters in SUBACK and keeps the connection (MQTT ${protocolVersion === 4 ? "3.1.1" : "5"})`, async () => {
    await using broker = await startBroker();
    using raw = await RawClient.open(broker, protocolVersion);
    await raw.write(connectBytes(protocolVersion));
    const filters = ["a/#/b", "a+", "ok/+", "$share//x"];
    await raw.write(encode({
      cmd: "subscribe",
      messageId: 9,
      subscriptions: filters.map((topic) => ({ topic, qos: 1 as const })),
    }, protocolVersion));
    const packets = await raw.readPackets(2);
    const suback = packets[1] as ISubackPacket;
    assert.equal(suback.cmd, "suback");
    const failure = protocolVersion === 5 ? [0x8f, 0x8f, 1, 0x8f] : [0x80, 0x80, 1, 0x80];
    assert.deepEqual(suback.granted, failure);
    assert.equal(broker.stats().protocolErrors, 0);
    assert.equal(broker.stats().subscriptions, 1);
  });
}

Deno.test("Broker.publish() rejects invalid topics and QoS with a ProtocolError", async () => {
  await using broker = await startBroker();
  const { ProtocolError } = await import("../../src/broker/mod.ts");
  for (const topic of ["", "a/+", "a/#"]) {
    assert.throws(() => broker.publish({ topic, payload: "x" }), ProtocolError);
  }
  assert.throws(
    () => broker.publish({ topic: "a", payload: "x", qos: 3 as 1 }),
    ProtocolError,
  );
  assert.throws(
    () => broker.publish({ topic: "a", payload: "x", properties: { messageExpiryInterval: -1 } }),
    ProtocolError,
  );
  assert.equal(broker.stats().messagesIn, 0);
});

Deno.test("new Broker() rejects bad options with a clear error", async () => {
  const { Broker, ProtocolError } = await import("../../src/broker/mod.ts");
  assert.throws(
    () => new Broker({ port: 70_000 }),
    /port must be an integer in \[0, 65535\], got 70000/,
  );
  assert.throws(() => new Broker({ maxPacketSize: 0 }), RangeError);
  assert.throws(() => new Broker({ protectedTopics: ["a/#/b"] }), ProtocolError);
});
