import assert from "node:assert/strict";
import type { IDisconnectPacket } from "mqtt-packet";
import { connectBytes, connectClient, encode, Inbox, RawClient, startBroker } from "./_helpers.ts";

Deno.test("Broker gives each message of a shared subscription to one member of the group", async () => {
  await using broker = await startBroker();
  await using first = await connectClient(broker, 5);
  await using second = await connectClient(broker, 5);
  await using plain = await connectClient(broker, 5);
  const inboxes = [new Inbox(first), new Inbox(second)];
  const plainInbox = new Inbox(plain);
  await first.subscribeAsync("$share/workers/jobs/#", { qos: 1 });
  await second.subscribeAsync("$share/workers/jobs/#", { qos: 1 });
  await plain.subscribeAsync("jobs/#", { qos: 1 });
  const payloads = Array.from({ length: 10 }, (_, i) => `job-${i}`);
  for (const payload of payloads) broker.publish({ topic: "jobs/a", payload, qos: 1 });
  await plainInbox.waitFor(payloads.length);
  let shared: string[] = [];
  while (shared.length < payloads.length) {
    await Promise.race(inboxes.map((inbox) => inbox.waitFor(1)));
    shared = inboxes.flatMap((inbox) => inbox.messages.map((m) => m.payload));
    if (shared.length < payloads.length) await new Promise((r) => setTimeout(r, 10));
  }
  // Each message exactly once across the group, and both members had a share.
  assert.deepEqual([...shared].sort(), [...payloads].sort());
  assert.ok(inboxes.every((inbox) => inbox.messages.length > 0));
  assert.deepEqual(plainInbox.messages.map((m) => m.payload), payloads);
});

Deno.test("Broker sends no retained messages for a new shared subscription", async () => {
  await using broker = await startBroker();
  broker.publish({ topic: "kept/a", payload: "retained", retain: true });
  await using member = await connectClient(broker, 5);
  const inbox = new Inbox(member);
  await member.subscribeAsync("$share/g/kept/#");
  await member.subscribeAsync("marker");
  broker.publish({ topic: "marker", payload: "marker" });
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.topic, "marker");
});

Deno.test("Broker removes a shared subscription on UNSUBSCRIBE of its full filter", async () => {
  await using broker = await startBroker();
  await using member = await connectClient(broker, 4);
  await member.subscribeAsync("$share/g/x/#");
  assert.equal(broker.stats().subscriptions, 1);
  await member.unsubscribeAsync("$share/g/x/#");
  assert.equal(broker.stats().subscriptions, 0);
});

Deno.test("Broker closes a connection that sets No Local on a shared subscription [MQTT-3.8.3-4]", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  await raw.write(encode({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: "$share/g/a", qos: 0, nl: true }],
  }, 5));
  const packets = await raw.readUntilClosed();
  assert.equal((packets.at(-1) as IDisconnectPacket).reasonCode, 0x82);
});
