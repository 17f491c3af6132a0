import assert from "node:assert/strict";
import { connectClient, Inbox, startBroker } from "./_helpers.ts";

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 4 ? "3.1.1" : "5";

  Deno.test(`Broker routes through + and # wildcards (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using subscriber = await connectClient(broker, protocolVersion);
    await using publisher = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(subscriber);
    await subscriber.subscribeAsync(["city/+/bikes", "weather/#"]);
    const published = [
      { topic: "city/leipzig/bikes", matches: true },
      { topic: "city/leipzig/docks", matches: false },
      { topic: "city/leipzig/bikes/extra", matches: false },
      { topic: "weather", matches: true }, // '#' also matches the parent level
      { topic: "weather/today/rain", matches: true },
    ];
    for (const { topic } of published) await publisher.publishAsync(topic, topic);
    // A last message on a matching topic: once it is in, everything before it was routed.
    await publisher.publishAsync("weather/end", "end");
    const expected = [...published.filter((p) => p.matches).map((p) => p.topic), "weather/end"];
    // Delivery keeps publish order, so a wrongly routed message would show up before "end".
    const received = await inbox.waitFor(expected.length);
    assert.deepEqual(received.map((m) => m.topic), expected);
  });

  Deno.test(`Broker delivers QoS 0 and QoS 1 both ways (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using subscriber = await connectClient(broker, protocolVersion);
    await using publisher = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(subscriber);
    const granted = await subscriber.subscribeAsync({ "q0/#": { qos: 0 }, "q1/#": { qos: 1 } });
    assert.deepEqual(granted.map((g) => [g.topic, g.qos]), [["q0/#", 0], ["q1/#", 1]]);
    const cases = [
      { topic: "q0/a", qos: 0, expectedQos: 0 },
      { topic: "q0/b", qos: 1, expectedQos: 0 }, // capped by the subscription
      { topic: "q1/a", qos: 0, expectedQos: 0 }, // capped by the message
      { topic: "q1/b", qos: 1, expectedQos: 1 },
    ] as const;
    for (const { topic, qos } of cases) await publisher.publishAsync(topic, topic, { qos });
    const received = await inbox.waitFor(cases.length);
    assert.deepEqual(
      received.map((m) => [m.topic, m.packet.qos]),
      cases.map((c) => [c.topic, c.expectedQos]),
    );
    const qos1 = received.find((m) => m.packet.qos === 1);
    assert.ok((qos1?.packet.messageId ?? 0) > 0);
  });

  Deno.test(`Broker grants QoS 2 for a QoS 2 subscription (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using subscriber = await connectClient(broker, protocolVersion);
    const granted = await subscriber.subscribeAsync("any/#", { qos: 2 });
    assert.equal(granted[0]?.qos, 2);
  });

  Deno.test(`Broker stops delivering after UNSUBSCRIBE (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using subscriber = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(subscriber);
    await subscriber.subscribeAsync(["gone/#", "kept/#"]);
    assert.equal(broker.stats().subscriptions, 2);
    await subscriber.unsubscribeAsync("gone/#");
    assert.equal(broker.stats().subscriptions, 1);
    broker.publish({ topic: "gone/a", payload: "no" });
    broker.publish({ topic: "kept/a", payload: "yes" });
    const [first] = await inbox.waitFor(1);
    assert.equal(first?.topic, "kept/a");
    assert.equal(inbox.messages.length, 1);
  });

  Deno.test(`Broker delivers an in-process publish (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using subscriber = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(subscriber);
    await subscriber.subscribeAsync("network/+/+/update", { qos: 1 });
    const payload = JSON.stringify({ stations: [] });
    broker.publish({ topic: "network/gbfs/demo/update", payload, qos: 1 });
    const [message] = await inbox.waitFor(1);
    assert.equal(message?.payload, payload);
    assert.equal(message?.packet.qos, 1);
    assert.equal(message?.packet.retain, false);
  });

  Deno.test(`Broker sends one copy at the highest QoS for overlapping subscriptions (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using subscriber = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(subscriber);
    await subscriber.subscribeAsync({ "o/+": { qos: 0 }, "o/#": { qos: 1 } });
    broker.publish({ topic: "o/x", payload: "1", qos: 1 });
    broker.publish({ topic: "o/end/x", payload: "2" });
    const received = await inbox.waitFor(2);
    assert.deepEqual(received.map((m) => [m.topic, m.packet.qos]), [["o/x", 1], ["o/end/x", 0]]);
  });
}

Deno.test("Broker passes MQTT 5 properties to v5 subscribers and not to 3.1.1 ones", async () => {
  await using broker = await startBroker();
  await using v5 = await connectClient(broker, 5);
  await using v4 = await connectClient(broker, 4);
  await using publisher = await connectClient(broker, 5);
  const inbox5 = new Inbox(v5);
  const inbox4 = new Inbox(v4);
  await v5.subscribeAsync("props/#");
  await v4.subscribeAsync("props/#");
  const properties = {
    contentType: "application/json",
    payloadFormatIndicator: true,
    messageExpiryInterval: 3600,
    userProperties: { source: "test", tags: ["a", "b"] },
    responseTopic: "props/reply",
  };
  const correlationData = new TextEncoder().encode("corr-1");
  await publisher.publishAsync("props/x", "{}", {
    qos: 1,
    properties: { ...properties, correlationData: correlationData as never },
  });
  const [received5] = await inbox5.waitFor(1);
  const [received4] = await inbox4.waitFor(1);
  const got = received5!.packet.properties!;
  assert.equal(got.contentType, properties.contentType);
  assert.equal(got.payloadFormatIndicator, properties.payloadFormatIndicator);
  assert.deepEqual({ ...got.userProperties }, properties.userProperties);
  assert.equal(got.responseTopic, properties.responseTopic);
  assert.deepEqual(new Uint8Array(got.correlationData!), correlationData);
  // The remaining interval: never more than what was asked, and not yet run out.
  assert.ok(got.messageExpiryInterval! <= properties.messageExpiryInterval);
  assert.ok(got.messageExpiryInterval! > 0);
  assert.equal(received4!.packet.properties, undefined);
  assert.equal(received4!.payload, "{}");
});

Deno.test("Broker respects an MQTT 5 client's Receive Maximum and delivers everything in order", async () => {
  await using broker = await startBroker();
  await using subscriber = await connectClient(broker, 5, { properties: { receiveMaximum: 2 } });
  const inbox = new Inbox(subscriber);
  await subscriber.subscribeAsync("window/#", { qos: 1 });
  const payloads = Array.from({ length: 20 }, (_, i) => `m${i}`);
  for (const payload of payloads) broker.publish({ topic: "window/x", payload, qos: 1 });
  const received = await inbox.waitFor(payloads.length);
  assert.deepEqual(received.map((m) => m.payload), payloads);
});

Deno.test("Broker honours MQTT 5 No Local and echoes subscription identifiers", async () => {
  await using broker = await startBroker();
  await using client = await connectClient(broker, 5);
  const inbox = new Inbox(client);
  await client.subscribeAsync("nl/#", { qos: 0, nl: true });
  await client.subscribeAsync("ids/#", { qos: 0, properties: { subscriptionIdentifier: 7 } });
  await client.publishAsync("nl/own", "own"); // not sent back
  await client.publishAsync("ids/x", "x");
  const [message] = await inbox.waitFor(1);
  assert.equal(message?.topic, "ids/x");
  assert.equal(message?.packet.properties?.subscriptionIdentifier, 7);
});

Deno.test("Broker counts messages in and out", async () => {
  await using broker = await startBroker();
  await using subscriber = await connectClient(broker, 4);
  await using publisher = await connectClient(broker, 4);
  const inbox = new Inbox(subscriber);
  await subscriber.subscribeAsync("count/#");
  const count = 5;
  for (let i = 0; i < count; i++) await publisher.publishAsync(`count/${i}`, "x");
  await inbox.waitFor(count);
  const stats = broker.stats();
  assert.equal(stats.messagesIn, count);
  assert.equal(stats.messagesOut, count);
  assert.ok(stats.bytesIn > 0);
  assert.ok(stats.bytesOut > 0);
  assert.equal(stats.clientsTotal, 2);
});

Deno.test("Broker sends one copy with every identifier for overlapping subscriptions [MQTT-3.3.4-3]", async () => {
  await using broker = await startBroker();
  await using client = await connectClient(broker, 5);
  const inbox = new Inbox(client);
  const ids = [2, 3];
  await client.subscribeAsync("ov/a", { qos: 1, properties: { subscriptionIdentifier: ids[0] } });
  await client.subscribeAsync("ov/#", { qos: 2, properties: { subscriptionIdentifier: ids[1] } });
  broker.publish({ topic: "ov/a", payload: "once", qos: 2 });
  broker.publish({ topic: "ov/marker", payload: "marker" });
  // MQTT.js hands a QoS 2 message over at PUBREL, so it may come after the marker.
  const received = await inbox.waitFor(2);
  assert.deepEqual(received.map((m) => m.topic).sort(), ["ov/a", "ov/marker"]);
  const copy = received.find((m) => m.topic === "ov/a");
  assert.equal(copy?.packet.qos, 2); // [MQTT-3.3.5-1] the maximum of the two
  const got = copy?.packet.properties?.subscriptionIdentifier;
  assert.deepEqual([got].flat().sort(), ids);
});
