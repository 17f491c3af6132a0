import assert from "node:assert/strict";
import type { ErrorWithReasonCode } from "mqtt";
import { barrier, connectClient, Inbox, startBroker } from "./_helpers.ts";

Deno.test("Broker refuses an MQTT 5 QoS 1 publish on a protected topic with PUBACK 0x87", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 5);
  await using spoofer = await connectClient(broker, 5);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync(["network/#", "open/#"]);
  await assert.rejects(
    spoofer.publishAsync("network/gbfs/fake/update", "{}", { qos: 1 }),
    (error: ErrorWithReasonCode) => error.code === 0x87,
  );
  await spoofer.publishAsync("open/x", "allowed", { qos: 1 });
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.topic, "open/x");
  assert.equal(broker.stats().dropped, 1);
});

Deno.test("Broker drops an MQTT 3.1.1 publish on a protected topic and counts it", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 4);
  await using spoofer = await connectClient(broker, 4);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync(["$SYS/#", "network/#", "open/#"]);
  // [MQTT-3.3.5-2] 3.1.1 gets a normal PUBACK: it cannot be told "not authorized".
  await spoofer.publishAsync("network/gbfs/fake/update", "{}", { qos: 1, retain: true });
  await spoofer.publishAsync("$SYS/broker/fake", "0", { qos: 0 });
  await spoofer.publishAsync("open/x", "allowed");
  await barrier(spoofer);
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.topic, "open/x");
  const stats = broker.stats();
  assert.equal(stats.dropped, 2);
  assert.equal(stats.retained, 0);
});

Deno.test("Broker lets the in-process API publish on protected topics", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 4);
  const inbox = new Inbox(watcher);
  await watcher.subscribeAsync("network/#");
  broker.publish({ topic: "network/gbfs/real/update", payload: "{}", retain: true });
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.topic, "network/gbfs/real/update");
});

Deno.test("Broker with protectedTopics [] lets clients publish anywhere", async () => {
  await using broker = await startBroker({ protectedTopics: [] });
  await using client = await connectClient(broker, 5);
  const inbox = new Inbox(client);
  await client.subscribeAsync("network/#");
  await client.publishAsync("network/x/y/update", "{}", { qos: 1 });
  const [first] = await inbox.waitFor(1);
  assert.equal(first?.topic, "network/x/y/update");
});
