import assert from "node:assert/strict";
import type { ISubackPacket } from "mqtt-packet";
import {
  assertStillDelivers,
  connectBytes,
  connectClient,
  encode,
  Inbox,
  RawClient,
  startBroker,
} from "./_helpers.ts";

Deno.test("Broker drops QoS 0 messages for a client that stops reading, and serves the rest", async () => {
  const maxQueuedBytes = 64 * 1024;
  await using broker = await startBroker({ maxQueuedBytes });
  await using bystander = await connectClient(broker, 4);
  const inbox = new Inbox(bystander);
  await bystander.subscribeAsync("alive/#");

  using stalled = await RawClient.open(broker, 4);
  await stalled.write(connectBytes(4));
  await stalled.write(
    encode({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "flood/#", qos: 0 }] }, 4),
  );
  const [, suback] = await stalled.readPackets(2);
  assert.equal((suback as ISubackPacket).cmd, "suback");
  // From here on the raw client reads nothing. Far more than the queue limit, in one go:
  const payload = new Uint8Array(16 * 1024);
  const count = 64;
  for (let i = 0; i < count; i++) broker.publish({ topic: "flood/x", payload });
  const stats = broker.stats();
  assert.ok(stats.dropped > 0);
  assert.ok(stats.dropped < count);
  await assertStillDelivers(broker, inbox, "alive/check");
});
