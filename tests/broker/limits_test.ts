import assert from "node:assert/strict";
import type { IDisconnectPacket, ISubackPacket, Packet } from "mqtt-packet";
import { connectBytes, connectClient, encode, RawClient, startBroker } from "./_helpers.ts";

Deno.test("Broker closes connections beyond maxConnections at once, and counts them", async () => {
  const maxConnections = 2;
  await using broker = await startBroker({ maxConnections });
  await using first = await connectClient(broker, 5);
  await using second = await connectClient(broker, 4);
  using extra = await RawClient.open(broker, 5);
  await extra.write(connectBytes(5)).catch(() => {});
  assert.deepEqual(await extra.readUntilClosed(), []);
  assert.equal(broker.stats().refusedConnections, 1);
  assert.equal(first.connected && second.connected, true);
});

Deno.test("Broker refuses topic filters over the length and level limits in SUBACK", async () => {
  const maxTopicLength = 16;
  const maxTopicLevels = 3;
  await using broker = await startBroker({ maxTopicLength, maxTopicLevels });
  for (const protocolVersion of [4, 5] as const) {
    using raw = await RawClient.open(broker, protocolVersion);
    await raw.write(connectBytes(protocolVersion));
    const filters = [
      "a".repeat(maxTopicLength + 1),
      Array(maxTopicLevels + 1).fill("x").join("/"),
      // Multi-byte characters count as bytes: 6 of 3 bytes each is 18 > 16.
      "€".repeat(6),
      "ok/+/#",
    ];
    await raw.write(encode({
      cmd: "subscribe",
      messageId: 1,
      subscriptions: filters.map((topic) => ({ topic, qos: 0 as const })),
    }, protocolVersion));
    const [, suback] = await raw.readPackets(2) as [Packet, ISubackPacket];
    const failure = protocolVersion === 5 ? 0x8f : 0x80;
    assert.deepEqual(suback.granted, [failure, failure, failure, 0]);
  }
});

Deno.test("Broker closes a connection publishing to a topic over the level limit (0x90)", async () => {
  const maxTopicLevels = 2;
  await using broker = await startBroker({ maxTopicLevels });
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  await raw.write(encode({
    cmd: "publish",
    topic: "a/b/c",
    payload: "x",
    qos: 0,
    dup: false,
    retain: false,
  }, 5));
  const packets = await raw.readUntilClosed();
  assert.equal((packets.at(-1) as IDisconnectPacket).reasonCode, 0x90);
  assert.equal(broker.stats().protocolErrors, 1);
});

Deno.test("Broker refuses subscriptions past maxSubscriptionsPerClient (0x97) but replaces existing ones", async () => {
  const maxSubscriptionsPerClient = 2;
  await using broker = await startBroker({ maxSubscriptionsPerClient });
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  await raw.write(encode({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: ["a", "b", "c", "a"].map((topic) => ({ topic, qos: 1 as const })),
  }, 5));
  const [, suback] = await raw.readPackets(2) as [Packet, ISubackPacket];
  assert.deepEqual(suback.granted, [1, 1, 0x97, 1]);
  assert.equal(broker.stats().subscriptions, maxSubscriptionsPerClient);
});
