import assert from "node:assert/strict";
import { barrier, connectClient, Inbox, sleep, startBroker } from "./_helpers.ts";

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 4 ? "3.1.1" : "5";

  Deno.test(`Broker delivers retained messages to a late subscriber (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using publisher = await connectClient(broker, protocolVersion);
    const retained = [
      { topic: "station/a/state", payload: "a", qos: 1 },
      { topic: "station/b/state", payload: "b", qos: 0 },
    ] as const;
    for (const { topic, payload, qos } of retained) {
      await publisher.publishAsync(topic, payload, { qos, retain: true });
    }
    await barrier(publisher);
    assert.equal(broker.stats().retained, retained.length);
    await using late = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(late);
    await late.subscribeAsync("station/+/state", { qos: 1 });
    const received = await inbox.waitFor(retained.length);
    const byTopic = new Map(received.map((m) => [m.topic, m]));
    for (const { topic, payload, qos } of retained) {
      assert.equal(byTopic.get(topic)?.payload, payload);
      assert.equal(byTopic.get(topic)?.packet.qos, qos);
      assert.equal(byTopic.get(topic)?.packet.retain, true); // [MQTT-3.3.1-8]
    }
  });

  Deno.test(`Broker clears a retained message on an empty retained publish (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using publisher = await connectClient(broker, protocolVersion);
    await publisher.publishAsync("clear/me", "old", { retain: true });
    await publisher.publishAsync("clear/kept", "kept", { retain: true });
    await barrier(publisher);
    assert.equal(broker.stats().retained, 2);
    await publisher.publishAsync("clear/me", "", { retain: true });
    await barrier(publisher);
    assert.equal(broker.stats().retained, 1);
    await using late = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(late);
    await late.subscribeAsync("clear/#");
    // Only the kept topic arrives; a live marker after it shows nothing else was queued.
    broker.publish({ topic: "clear/marker", payload: "marker" });
    const received = await inbox.waitFor(2);
    assert.deepEqual(received.map((m) => m.topic), ["clear/kept", "clear/marker"]);
  });

  Deno.test(`Broker sends forwarded messages with retain 0 to existing subscribers (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using subscriber = await connectClient(broker, protocolVersion);
    const inbox = new Inbox(subscriber);
    await subscriber.subscribeAsync("live/#");
    broker.publish({ topic: "live/x", payload: "x", retain: true });
    const [message] = await inbox.waitFor(1);
    assert.equal(message?.packet.retain, false); // [MQTT-3.3.1-9]
  });
}

Deno.test("Broker keeps $SYS topics out of # and + subscriptions", async () => {
  await using broker = await startBroker();
  await using everything = await connectClient(broker, 4);
  await using sys = await connectClient(broker, 4);
  const everythingInbox = new Inbox(everything);
  const sysInbox = new Inbox(sys);
  await everything.subscribeAsync(["#", "+/broker/uptime"]);
  await sys.subscribeAsync("$SYS/#");
  broker.publish({ topic: "$SYS/broker/uptime", payload: "1", retain: true });
  broker.publish({ topic: "plain/topic", payload: "2" });
  const [sysMessage] = await sysInbox.waitFor(1);
  assert.equal(sysMessage?.topic, "$SYS/broker/uptime");
  const [first] = await everythingInbox.waitFor(1);
  assert.equal(first?.topic, "plain/topic");
  // Nor does a retained $SYS message reach a new '#' subscription [MQTT-4.7.2-1].
  await using late = await connectClient(broker, 4);
  const lateInbox = new Inbox(late);
  await late.subscribeAsync("#");
  broker.publish({ topic: "plain/after", payload: "3" });
  const [lateFirst] = await lateInbox.waitFor(1);
  assert.equal(lateFirst?.topic, "plain/after");
});

Deno.test("Broker sends a retained message's remaining expiry to an MQTT 5 subscriber", async () => {
  await using broker = await startBroker();
  const messageExpiryInterval = 600;
  broker.publish({
    topic: "network/gbfs/demo/update",
    payload: "{}",
    retain: true,
    properties: { contentType: "application/json", messageExpiryInterval },
  });
  await using late = await connectClient(broker, 5);
  const inbox = new Inbox(late);
  await late.subscribeAsync("network/#");
  const [message] = await inbox.waitFor(1);
  const properties = message?.packet.properties;
  assert.equal(properties?.contentType, "application/json");
  assert.ok(properties!.messageExpiryInterval! <= messageExpiryInterval);
  assert.ok(properties!.messageExpiryInterval! > 0);
});

Deno.test("Broker drops a retained message once its expiry interval has passed", async () => {
  await using broker = await startBroker();
  const messageExpiryInterval = 1;
  broker.publish({
    topic: "expiring/x",
    payload: "short-lived",
    retain: true,
    properties: { messageExpiryInterval },
  });
  broker.publish({ topic: "expiring/y", payload: "lasting", retain: true });
  await sleep(messageExpiryInterval * 1000 + 100);
  await using late = await connectClient(broker, 5);
  const inbox = new Inbox(late);
  await late.subscribeAsync("expiring/#");
  broker.publish({ topic: "expiring/marker", payload: "marker" });
  const received = await inbox.waitFor(2);
  assert.deepEqual(received.map((m) => m.payload), ["lasting", "marker"]);
  assert.equal(broker.stats().retained, 1);
});

Deno.test("Broker honours MQTT 5 Retain Handling 2 (no retained messages on subscribe)", async () => {
  await using broker = await startBroker();
  broker.publish({ topic: "rh/x", payload: "retained", retain: true });
  await using client = await connectClient(broker, 5);
  const inbox = new Inbox(client);
  await client.subscribeAsync("rh/#", { qos: 0, rh: 2 });
  broker.publish({ topic: "rh/live", payload: "live" });
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.payload, "live");
});

Deno.test("Broker keeps retained payloads intact while the same connection goes on publishing", async () => {
  // Decoded payloads are kept without a copy: each must own its bytes, not share a read buffer.
  await using broker = await startBroker();
  await using publisher = await connectClient(broker, 4);
  const payloadOf = (i: number) => `${i}:`.padEnd(100 + i * 37, String.fromCharCode(97 + (i % 26)));
  const count = 300;
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) => publisher.publishAsync(`kept/${i}`, payloadOf(i), { qos: 1, retain: true }),
    ),
  );
  // More traffic through the same read path, overwriting whatever buffers it reuses.
  await Promise.all(
    Array.from({ length: 200 }, (_, i) => publisher.publishAsync(`other/${i}`, "z".repeat(5000))),
  );
  await barrier(publisher);
  await using late = await connectClient(broker, 4);
  const inbox = new Inbox(late);
  await late.subscribeAsync("kept/#", { qos: 1 });
  const received = await inbox.waitFor(count);
  for (let i = 0; i < count; i++) {
    assert.equal(received.find((m) => m.topic === `kept/${i}`)?.payload, payloadOf(i));
  }
});

Deno.test("Broker.publish() keeps a retained payload of its own: the caller may reuse its buffer", async () => {
  await using broker = await startBroker();
  const buffer = new TextEncoder().encode("network state");
  broker.publish({ topic: "network/gbfs/a/update", payload: buffer, qos: 1, retain: true });
  buffer.fill(0x21);
  await using late = await connectClient(broker, 5);
  const inbox = new Inbox(late);
  await late.subscribeAsync("network/#", { qos: 1 });
  const [received] = await inbox.waitFor(1);
  assert.equal(received?.payload, "network state");
});
