import assert from "node:assert/strict";
import { connectBytes, connectClient, encode, Inbox, RawClient, startBroker } from "./_helpers.ts";

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
