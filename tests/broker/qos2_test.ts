import assert from "node:assert/strict";
import type { IPublishPacket, Packet } from "mqtt-packet";
import { connectBytes, connectClient, encode, Inbox, RawClient, startBroker } from "./_helpers.ts";

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 4 ? "3.1.1" : "5";
  Deno.test(`Broker carries QoS 2 end to end, exactly once (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using subscriber = await connectClient(broker, protocolVersion);
    await using publisher = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(subscriber);
    const granted = await subscriber.subscribeAsync("q2/#", { qos: 2 });
    assert.equal(granted[0]?.qos, 2);
    const payloads = ["one", "two", "three"];
    for (const payload of payloads) await publisher.publishAsync("q2/a", payload, { qos: 2 });
    const received = await inbox.waitFor(payloads.length);
    assert.deepEqual(received.map((m) => [m.payload, m.packet.qos]), payloads.map((p) => [p, 2]));
    // Every QoS 2 exchange completed: nothing left in flight or queued.
    assert.equal(broker.stats().queued, 0);
  });
}

Deno.test("Broker routes a resent QoS 2 PUBLISH once and reuses its id after PUBREL [MQTT-4.3.3-9]", async () => {
  await using broker = await startBroker();
  await using subscriber = await connectClient(broker, 5);
  const inbox = new Inbox(subscriber);
  await subscriber.subscribeAsync("dup/#", { qos: 2 });
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  const publish = (payload: string, dup: boolean) =>
    encode(
      { cmd: "publish", topic: "dup/x", payload, qos: 2, messageId: 7, dup, retain: false },
      5,
    );
  await raw.write(publish("first", false));
  await raw.write(publish("first", true));
  await raw.write(encode({ cmd: "pubrel", messageId: 7 }, 5));
  // The id is free again: the same id now carries a new message.
  await raw.write(publish("second", false));
  await raw.write(encode({ cmd: "pubrel", messageId: 7 }, 5));
  const packets = await raw.readPackets(6);
  assert.deepEqual(packets.map((p) => p.cmd), [
    "connack",
    "pubrec",
    "pubrec",
    "pubcomp",
    "pubrec",
    "pubcomp",
  ]);
  const received = await inbox.waitFor(2);
  assert.deepEqual(received.map((m) => m.payload), ["first", "second"]);
});

Deno.test("Broker answers PUBREL for an unknown packet id with PUBCOMP 0x92 (MQTT 5)", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  await raw.write(encode({ cmd: "pubrel", messageId: 99 }, 5));
  const [, pubcomp] = await raw.readPackets(2);
  assert.equal(pubcomp?.cmd, "pubcomp");
  assert.equal((pubcomp as Packet & { reasonCode?: number }).reasonCode, 0x92);
  assert.equal(broker.stats().protocolErrors, 0);
});

Deno.test("Broker sends QoS 2 to a subscriber as PUBLISH, PUBREC, PUBREL, PUBCOMP", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  await raw.write(encode({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: "out/#", qos: 2 }],
  }, 5));
  await raw.readPackets(2);
  broker.publish({ topic: "out/a", payload: "x", qos: 2 });
  const [, , publish] = await raw.readPackets(3) as [Packet, Packet, IPublishPacket];
  assert.equal(publish.qos, 2);
  assert.equal(publish.dup, false);
  await raw.write(encode({ cmd: "pubrec", messageId: publish.messageId }, 5));
  const [, , , pubrel] = await raw.readPackets(4);
  assert.equal(pubrel?.cmd, "pubrel");
  assert.equal(pubrel.messageId, publish.messageId);
  await raw.write(encode({ cmd: "pubcomp", messageId: publish.messageId }, 5));
  // The window is free: a second message goes out with the first's id reusable.
  broker.publish({ topic: "out/b", payload: "y", qos: 2 });
  const packets = await raw.readPackets(5);
  assert.equal((packets[4] as IPublishPacket).topic, "out/b");
});

Deno.test("Broker holds back QoS 2 deliveries beyond the client's Receive Maximum [MQTT-3.3.4-9]", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 5);
  const receiveMaximum = 2;
  await raw.write(connectBytes(5, { properties: { receiveMaximum } }));
  await raw.write(encode({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: "win/#", qos: 2 }],
  }, 5));
  await raw.readPackets(2);
  const total = receiveMaximum + 2;
  for (let i = 0; i < total; i++) broker.publish({ topic: "win/a", payload: `${i}`, qos: 2 });
  const first = (await raw.readPackets(2 + receiveMaximum)).slice(2) as IPublishPacket[];
  assert.equal(first.length, receiveMaximum);
  assert.equal(broker.stats().queued, total - receiveMaximum);
  // Completing one exchange lets exactly one more out.
  await raw.write(encode({ cmd: "pubrec", messageId: first[0]!.messageId }, 5));
  await raw.write(encode({ cmd: "pubcomp", messageId: first[0]!.messageId }, 5));
  const packets = await raw.readPackets(2 + receiveMaximum + 2);
  assert.deepEqual(packets.slice(2 + receiveMaximum).map((p) => p.cmd), ["pubrel", "publish"]);
  assert.equal(broker.stats().queued, total - receiveMaximum - 1);
});

Deno.test("Broker disconnects a client with more unreleased QoS 2 messages than its Receive Maximum (0x93)", async () => {
  const maxInflight = 3;
  await using broker = await startBroker({ maxInflight });
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  for (let id = 1; id <= maxInflight + 1; id++) {
    await raw.write(encode({
      cmd: "publish",
      topic: "flood",
      payload: "x",
      qos: 2,
      messageId: id,
      dup: false,
      retain: false,
    }, 5));
  }
  const packets = await raw.readUntilClosed();
  const last = packets.at(-1) as Packet & { reasonCode?: number };
  assert.equal(last.cmd, "disconnect");
  assert.equal(last.reasonCode, 0x93);
  assert.equal(packets.filter((p) => p.cmd === "pubrec").length, maxInflight);
  assert.equal(broker.stats().protocolErrors, 1);
});
