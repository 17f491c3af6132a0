import assert from "node:assert/strict";
import {
  connectBytes,
  connectClient,
  encode,
  Inbox,
  RawClient,
  sleep,
  startBroker,
} from "./_helpers.ts";

Deno.test("Broker publishes the will when a client's connection drops", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 5);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync("wills/#");
  const will = { topic: "wills/dropped", payload: "gone", qos: 1 as const, retain: false };
  {
    using raw = await RawClient.open(broker, 5);
    await raw.write(connectBytes(5, { will }));
    await raw.readPackets(1);
  } // the socket closes here without DISCONNECT
  const [message] = await inbox.waitFor(1);
  assert.equal(message?.topic, will.topic);
  assert.equal(message?.payload, will.payload);
});

Deno.test("Broker discards the will on a normal DISCONNECT [MQTT-3.14.4-3]", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 4);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync("wills/#");
  using raw = await RawClient.open(broker, 4);
  await raw.write(
    connectBytes(4, { will: { topic: "wills/clean", payload: "no", qos: 0, retain: false } }),
  );
  await raw.readPackets(1);
  await raw.write(encode({ cmd: "disconnect" }, 4));
  // The broker closes the connection; nothing but the CONNACK was ever sent.
  const packets = await raw.readUntilClosed();
  assert.deepEqual(packets.map((packet) => packet.cmd), ["connack"]);
  broker.publish({ topic: "wills/marker", payload: "marker" });
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.topic, "wills/marker");
});

/** A will with a Will Delay Interval, in MQTT.js/mqtt-packet form. */
function delayedWill(topic: string, willDelayInterval: number) {
  return {
    topic,
    payload: topic,
    qos: 1 as const,
    retain: false,
    properties: { willDelayInterval },
  };
}

Deno.test("Broker holds a delayed will and drops it when the client returns in time [MQTT-3.1.3-9]", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 5);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync("wills/#");
  const clientId = "returns";
  const fields = {
    clientId,
    clean: false,
    properties: { sessionExpiryInterval: 300 },
    will: delayedWill("wills/delayed", 300),
  };
  {
    using raw = await RawClient.open(broker, 5);
    await raw.write(connectBytes(5, fields));
    await raw.readPackets(1);
  } // dropped without DISCONNECT: the will waits out its delay
  while (broker.stats().clientsConnected > 1) await sleep(10);
  using back = await RawClient.open(broker, 5);
  await back.write(connectBytes(5, { clientId, clean: false }));
  await back.readPackets(1);
  broker.publish({ topic: "wills/marker", payload: "marker" });
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.topic, "wills/marker");
});

Deno.test("Broker publishes a delayed will once the delay passes", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 5);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync("wills/#");
  const will = delayedWill("wills/late", 1);
  {
    using raw = await RawClient.open(broker, 5);
    await raw.write(connectBytes(5, { properties: { sessionExpiryInterval: 300 }, will }));
    await raw.readPackets(1);
  }
  const [message] = await inbox.waitFor(1);
  assert.equal(message?.topic, will.topic);
});

Deno.test("Broker publishes a delayed will at once when the session ends first (§3.1.3.2.2)", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 5);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync("wills/#");
  // Session Expiry Interval 0: the session ends with the connection, taking the will with it.
  const will = delayedWill("wills/session-ended", 300);
  {
    using raw = await RawClient.open(broker, 5);
    await raw.write(connectBytes(5, { will }));
    await raw.readPackets(1);
  }
  const [message] = await inbox.waitFor(1);
  assert.equal(message?.topic, will.topic);
});

Deno.test("Broker publishes a delayed will when a clean start ends the session", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 5);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync("wills/#");
  const clientId = "restarts";
  const will = delayedWill("wills/restarted", 300);
  {
    using raw = await RawClient.open(broker, 5);
    await raw.write(
      connectBytes(5, { clientId, properties: { sessionExpiryInterval: 300 }, will }),
    );
    await raw.readPackets(1);
  }
  while (broker.stats().clientsConnected > 1) await sleep(10);
  using again = await RawClient.open(broker, 5);
  await again.write(connectBytes(5, { clientId, clean: true }));
  const [message] = await inbox.waitFor(1);
  assert.equal(message?.topic, will.topic);
});
