import assert from "node:assert/strict";
import { connectClient, Inbox, startBroker } from "./_helpers.ts";

Deno.test("Broker publishes $SYS/broker/... retained every interval", async () => {
  const version = "9.9.9-test";
  await using broker = await startBroker({ sysIntervalSeconds: 1, version });
  await using client = await connectClient(broker, 4);
  const inbox = new Inbox(client);
  await client.subscribeAsync("$SYS/broker/#");
  const version1 = await inbox.waitForTopic("$SYS/broker/version");
  assert.equal(version1.payload, version);
  const connected = await inbox.waitForTopic("$SYS/broker/clients/connected");
  assert.equal(Number(connected.payload), broker.stats().clientsConnected);
  const uptime = await inbox.waitForTopic("$SYS/broker/uptime");
  assert.match(uptime.payload, /^\d+ seconds$/);
  // Retained: a later subscriber gets the last values at once, with the retain flag.
  await using late = await connectClient(broker, 5);
  const lateInbox = new Inbox(late);
  await late.subscribeAsync("$SYS/broker/version");
  const [retained] = await lateInbox.waitFor(1);
  assert.equal(retained?.packet.retain, true);
});

Deno.test("Broker with sysIntervalSeconds 0 publishes no $SYS topics", async () => {
  await using broker = await startBroker({ sysIntervalSeconds: 0 });
  assert.equal(broker.stats().retained, 0);
});
