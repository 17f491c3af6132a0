/**
 * Acknowledgements and PINGREQ from real sockets, through the decoder's short-packet path: with
 * an in-flight window of 1, the second QoS 1 message goes out only once the first is completed,
 * so what the broker sends next shows whether an ack was taken.
 */
import assert from "node:assert/strict";
import type { IPublishPacket, Packet } from "mqtt-packet";
import { connectBytes, encode, RawClient, sleep, startBroker } from "./_helpers.ts";

const TOPIC = "ack/test";

/** A raw subscriber at QoS 1 on a broker that keeps one message in flight per client. */
async function subscriber(
  broker: Awaited<ReturnType<typeof startBroker>>,
  protocolVersion: 4 | 5,
): Promise<RawClient> {
  const raw = await RawClient.open(broker, protocolVersion);
  await raw.write(connectBytes(protocolVersion));
  await raw.write(encode({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: TOPIC, qos: 1 }],
  }, protocolVersion));
  const [connack, suback] = await raw.readPackets(2);
  assert.equal(connack?.cmd, "connack");
  assert.equal(suback?.cmd, "suback");
  return raw;
}

/** Publishes two QoS 1 messages; returns the first PUBLISH the subscriber got. */
async function publishTwo(
  broker: Awaited<ReturnType<typeof startBroker>>,
  raw: RawClient,
): Promise<IPublishPacket> {
  broker.publish({ topic: TOPIC, payload: "first", qos: 1 });
  broker.publish({ topic: TOPIC, payload: "second", qos: 1 });
  const packets = await raw.readPackets(3);
  assert.equal(packets.length, 3, "only the first message is sent while the window is full");
  const first = packets[2] as IPublishPacket;
  assert.equal(first.cmd, "publish");
  assert.equal(first.payload.toString(), "first");
  assert.equal(broker.stats().queued, 1);
  return first;
}

/** Writes `bytes` one byte per write, pausing so each arrives in a read of its own. */
async function writeBytewise(raw: RawClient, bytes: Uint8Array): Promise<void> {
  for (const byte of bytes) {
    await raw.write(new Uint8Array([byte]));
    await sleep(5);
  }
}

function secondDelivered(packets: Packet[]): boolean {
  return packets.some((p) => p.cmd === "publish" && p.payload.toString() === "second");
}

for (const protocolVersion of [4, 5] as const) {
  const label = `MQTT ${protocolVersion === 4 ? "3.1.1" : "5"}`;

  Deno.test(`Broker takes a PUBACK sent byte by byte (${label})`, async () => {
    await using broker = await startBroker({ maxInflight: 1 });
    using raw = await subscriber(broker, protocolVersion);
    const first = await publishTwo(broker, raw);
    const id = first.messageId!;
    await writeBytewise(raw, new Uint8Array([0x40, 0x02, id >> 8, id & 0xff]));
    assert.ok(secondDelivered(await raw.readPackets(4)));
    assert.equal(broker.stats().queued, 0);
  });

  Deno.test(`Broker ignores a PUBACK for an unknown packet id (${label})`, async () => {
    await using broker = await startBroker({ maxInflight: 1 });
    using raw = await subscriber(broker, protocolVersion);
    const first = await publishTwo(broker, raw);
    const unknown = (first.messageId! + 1000) & 0xffff;
    // The unknown id, then a PINGREQ: its PINGRESP shows the PUBACK was read and changed nothing.
    await raw.write(new Uint8Array([0x40, 0x02, unknown >> 8, unknown & 0xff, 0xc0, 0x00]));
    const packets = await raw.readPackets(4);
    assert.equal(packets[3]?.cmd, "pingresp");
    assert.equal(broker.stats().queued, 1);
    const id = first.messageId!;
    await raw.write(new Uint8Array([0x40, 0x02, id >> 8, id & 0xff]));
    assert.ok(secondDelivered(await raw.readPackets(5)));
  });

  Deno.test(`Broker answers a PINGREQ split across reads (${label})`, async () => {
    await using broker = await startBroker();
    using raw = await subscriber(broker, protocolVersion);
    await writeBytewise(raw, new Uint8Array([0xc0, 0x00, 0xc0, 0x00]));
    const packets = await raw.readPackets(4);
    assert.deepEqual(packets.slice(2).map((p) => p.cmd), ["pingresp", "pingresp"]);
  });

  Deno.test(`Broker closes the connection on a PUBACK too short for its packet id (${label})`, async () => {
    await using broker = await startBroker({ maxInflight: 1 });
    using raw = await subscriber(broker, protocolVersion);
    await publishTwo(broker, raw);
    await raw.write(new Uint8Array([0x40, 0x01, 0x00]));
    const after = (await raw.readUntilClosed()).slice(3);
    // MQTT 5 is told why: DISCONNECT with 0x81 Malformed Packet [MQTT-4.13.1-1].
    assert.deepEqual(
      after.map((p) => [p.cmd, (p as { reasonCode?: number }).reasonCode]),
      protocolVersion === 5 ? [["disconnect", 0x81]] : [],
    );
    assert.equal(broker.stats().protocolErrors, 1);
  });

  Deno.test(`Broker closes the connection on a PUBACK with reserved flags set (${label})`, async () => {
    await using broker = await startBroker({ maxInflight: 1 });
    using raw = await subscriber(broker, protocolVersion);
    const first = await publishTwo(broker, raw);
    const id = first.messageId!;
    await raw.write(new Uint8Array([0x41, 0x02, id >> 8, id & 0xff]));
    const after = (await raw.readUntilClosed()).slice(3);
    assert.ok(!secondDelivered(after));
    assert.equal(broker.stats().protocolErrors, 1);
  });
}

Deno.test("Broker takes an MQTT 5 PUBACK with a reason code and properties", async () => {
  await using broker = await startBroker({ maxInflight: 1 });
  using raw = await subscriber(broker, 5);
  const first = await publishTwo(broker, raw);
  const id = first.messageId!;
  const puback = encode({
    cmd: "puback",
    messageId: id,
    reasonCode: 0x10, // No matching subscribers: still a success (< 0x80)
    properties: { reasonString: "nobody here" },
  }, 5);
  assert.ok(puback.byteLength > 4);
  await writeBytewise(raw, puback);
  assert.ok(secondDelivered(await raw.readPackets(4)));
});

Deno.test("Broker closes an MQTT 5 connection on a PUBACK with an invalid reason code", async () => {
  await using broker = await startBroker({ maxInflight: 1 });
  using raw = await subscriber(broker, 5);
  const first = await publishTwo(broker, raw);
  const id = first.messageId!;
  await raw.write(new Uint8Array([0x40, 0x03, id >> 8, id & 0xff, 0x42]));
  const after = (await raw.readUntilClosed()).slice(3);
  assert.deepEqual(after.map((p) => [p.cmd, (p as { reasonCode?: number }).reasonCode]), [[
    "disconnect",
    0x81,
  ]]);
});
