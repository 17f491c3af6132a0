import assert from "node:assert/strict";
import type { IConnackPacket, IPublishPacket } from "mqtt-packet";
import { connectBytes, connectClient, encode, Inbox, RawClient, startBroker } from "./_helpers.ts";

Deno.test("Broker resolves topic aliases a client sets up, per connection (§3.3.2.3.4)", async () => {
  await using broker = await startBroker();
  await using subscriber = await connectClient(broker, 5);
  const inbox = new Inbox(subscriber);
  await subscriber.subscribeAsync("alias/#");
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  const publish = (topic: string, payload: string) =>
    encode({
      cmd: "publish",
      topic,
      payload,
      qos: 1,
      messageId: 1,
      dup: false,
      retain: false,
      properties: { topicAlias: 3 },
    }, 5);
  await raw.write(publish("alias/long/topic/name", "sets the alias"));
  await raw.write(publish("", "uses the alias"));
  const packets = await raw.readPackets(3);
  assert.deepEqual(packets.map((p) => p.cmd), ["connack", "puback", "puback"]);
  const received = await inbox.waitFor(2);
  assert.deepEqual(
    received.map((m) => [m.topic, m.payload]),
    [["alias/long/topic/name", "sets the alias"], ["alias/long/topic/name", "uses the alias"]],
  );
});

Deno.test("Broker with topicAliasMaximum 0 announces none and refuses any alias (0x94)", async () => {
  await using broker = await startBroker({ topicAliasMaximum: 0 });
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  const [connack] = await raw.readPackets(1) as IConnackPacket[];
  assert.equal(connack?.properties?.topicAliasMaximum, undefined);
  await raw.write(encode({
    cmd: "publish",
    topic: "a",
    payload: "x",
    qos: 0,
    dup: false,
    retain: false,
    properties: { topicAlias: 1 },
  }, 5));
  const packets = await raw.readUntilClosed();
  assert.equal((packets.at(-1) as { reasonCode?: number }).reasonCode, 0x94);
});

Deno.test("Broker sends topic aliases to a client that accepts them, up to its maximum", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 5);
  const clientMaximum = 1;
  await raw.write(connectBytes(5, { properties: { topicAliasMaximum: clientMaximum } }));
  await raw.write(encode({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: "ta/#", qos: 1 }],
  }, 5));
  await raw.readPackets(2);
  const sent = ["ta/first", "ta/first", "ta/second", "ta/first"];
  for (const topic of sent) broker.publish({ topic, payload: topic });
  const received = (await raw.readPackets(2 + sent.length)).slice(2) as IPublishPacket[];
  // The first topic takes the only alias: sent in full once, then empty with the alias; the
  // second topic finds no alias left and goes in full, without one.
  assert.deepEqual(
    received.map((p) => [p.topic, p.properties?.topicAlias, p.payload.toString()]),
    [
      ["ta/first", 1, "ta/first"],
      ["", 1, "ta/first"],
      ["ta/second", undefined, "ta/second"],
      ["", 1, "ta/first"],
    ],
  );
});

Deno.test("Broker sends no topic aliases to a client that did not ask for them", async () => {
  await using broker = await startBroker();
  await using subscriber = await connectClient(broker, 5);
  const inbox = new Inbox(subscriber);
  await subscriber.subscribeAsync("plain/#");
  broker.publish({ topic: "plain/a", payload: "1" });
  broker.publish({ topic: "plain/a", payload: "2" });
  const received = await inbox.waitFor(2);
  assert.ok(received.every((m) => m.packet.properties?.topicAlias === undefined));
  assert.ok(received.every((m) => m.packet.topic === "plain/a"));
});
