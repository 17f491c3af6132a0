/**
 * A message's encoded PUBLISH is kept with it and reused by every later delivery (a retained
 * message to each new subscriber, a queued one out of each session's queue), except where the
 * bytes must differ per delivery: a remaining expiry interval, a payload too big for a batch.
 */
import assert from "node:assert/strict";
import mqttPacket from "mqtt-packet";
import { Buffer } from "node:buffer";
import { createMessage } from "../../src/broker/message.ts";
import { type EncodedPublish, OutgoingPublish } from "../../src/broker/outgoing.ts";
import { BATCH_BUFFER_BYTES } from "../../src/broker/_batch_buffers.ts";
import type { Broker } from "../../src/broker/mod.ts";
import {
  barrier,
  connectBytes,
  connectClient,
  encode,
  Inbox,
  RawClient,
  startBroker,
} from "./_helpers.ts";

/** A raw MQTT 3.1.1 session subscribed to `network/#` at QoS 1 that acknowledges nothing itself. */
async function subscribedRaw(broker: Broker, clientId: string): Promise<RawClient> {
  const raw = await RawClient.open(broker, 4);
  await raw.write(connectBytes(4, { clientId }));
  await raw.write(
    encode({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "network/#", qos: 1 }] }, 4),
  );
  return raw;
}

Deno.test("OutgoingPublish.of() keeps one encoded form with a message and reuses it", () => {
  const message = createMessage(
    { topic: "network/gbfs/a/update", payload: "x", qos: 1, retain: true },
    undefined,
  );
  const first = OutgoingPublish.of(message, Date.now(), 7);
  assert.equal(OutgoingPublish.of(message, Date.now()), first);
  assert.equal(message.encoded, first);
  // The same template bytes for every delivery with the same variant.
  assert.equal(
    first.encode(4, 1, true, 7),
    OutgoingPublish.of(message, Date.now()).encode(4, 1, true, 7),
  );
});

Deno.test("OutgoingPublish.of() keeps a message with an expiry for one second of remaining interval", () => {
  const createdMs = 1_000_000;
  const expiring = createMessage(
    {
      topic: "t/e",
      payload: "x",
      qos: 1,
      retain: true,
      properties: { messageExpiryInterval: 60 },
    },
    undefined,
    createdMs,
  );
  const first = OutgoingPublish.of(expiring, createdMs);
  // 60 s remain at +0 and at +0.5 s (whole seconds, rounded up): the same bytes serve both.
  assert.equal(OutgoingPublish.of(expiring, createdMs + 500), first);
  const later = OutgoingPublish.of(expiring, createdMs + 1_500);
  assert.notEqual(later, first);
  assert.equal(expiring.encoded, later);
  // [MQTT-3.3.2-6] each carries the interval remaining at its delivery.
  assert.equal(expiryOf(first.encode(5, 1, true, 1)), 60);
  assert.equal(expiryOf(later.encode(5, 1, true, 1)), 59);
});

Deno.test("OutgoingPublish.of() encodes a payload past a write batch afresh each time", () => {
  const big = createMessage(
    { topic: "t/b", payload: new Uint8Array(BATCH_BUFFER_BYTES), qos: 1, retain: true },
    undefined,
  );
  assert.notEqual(OutgoingPublish.of(big, Date.now()), OutgoingPublish.of(big, Date.now()));
  assert.equal(big.encoded, undefined);
});

/** The Message Expiry Interval of an encoded MQTT 5 PUBLISH. */
function expiryOf(encoded: EncodedPublish): number {
  let bytes: Uint8Array;
  if (encoded instanceof Uint8Array) {
    bytes = encoded;
  } else {
    bytes = new Uint8Array(encoded.byteLength);
    encoded.writeTo(bytes, 0);
  }
  let expiry: number | undefined;
  const parser = mqttPacket.parser({ protocolVersion: 5 });
  parser.on("packet", (packet) => {
    expiry = (packet as mqttPacket.IPublishPacket).properties?.messageExpiryInterval;
  });
  parser.parse(Buffer.from(bytes));
  assert.ok(expiry !== undefined, "no Message Expiry Interval in the packet");
  return expiry;
}

Deno.test("Broker sends the same retained set intact to subscribers one after another through a small window", async () => {
  // A window of 3: most of the set waits in each session's queue and goes out as acks return.
  await using broker = await startBroker({ maxInflight: 3 });
  await using publisher = await connectClient(broker, 5);
  const count = 40;
  const payloadOf = (i: number) => `station-${i}-`.repeat(i + 1);
  for (let i = 0; i < count; i++) {
    await publisher.publishAsync(`live/gbfs/n${i}/update`, payloadOf(i), {
      qos: 1,
      retain: true,
    });
  }
  await barrier(publisher);
  for (const [round, protocolVersion] of [[1, 4], [2, 5], [3, 4], [4, 5]] as const) {
    await using subscriber = await connectClient(broker, protocolVersion, {
      clientId: `late-${round}`,
    });
    const inbox = new Inbox(subscriber);
    await subscriber.subscribeAsync("live/#", { qos: round % 2 === 0 ? 1 : 0 });
    const received = await inbox.waitFor(count);
    assert.equal(received.length, count);
    for (let i = 0; i < count; i++) {
      const message = received.find((m) => m.topic === `live/gbfs/n${i}/update`);
      assert.equal(message?.payload, payloadOf(i), `round ${round}, message ${i}`);
      assert.equal(message.packet.retain, true);
      assert.equal(message.packet.qos, round % 2 === 0 ? 1 : 0);
      assert.equal(message.packet.dup, false);
    }
  }
});

Deno.test("Broker gives each session its own packet ids for a retained message it reuses", async () => {
  await using broker = await startBroker({ maxInflight: 2 });
  broker.publish({ topic: "network/gbfs/a/update", payload: "a", qos: 1, retain: true });
  broker.publish({ topic: "network/gbfs/b/update", payload: "b", qos: 1, retain: true });
  // A session that keeps id 1 busy: it never acknowledges what it gets.
  using holder = await subscribedRaw(broker, "holder");
  const held = (await holder.readPackets(4)).filter((p) => p.cmd === "publish");
  assert.equal(held.length, 2);
  // A second session takes the same messages: its ids are its own, whole and in range.
  using second = await subscribedRaw(broker, "second");
  const got = (await second.readPackets(4)).filter((p) => p.cmd === "publish");
  assert.equal(got.length, 2);
  const ids = got.map((p) => (p as { messageId: number }).messageId);
  assert.equal(new Set(ids).size, 2);
  for (const id of ids) assert.ok(id >= 1 && id <= 65_535);
  assert.deepEqual(
    got.map((p) => (p as { payload: Uint8Array }).payload.toString()).sort(),
    ["a", "b"],
  );
});

Deno.test("Broker closes only the connection that sends a malformed PUBACK mid retained set", async () => {
  await using broker = await startBroker({ maxInflight: 2 });
  for (let i = 0; i < 10; i++) {
    broker.publish({ topic: `network/gbfs/n${i}/update`, payload: `${i}`, qos: 1, retain: true });
  }
  using bad = await subscribedRaw(broker, "bad");
  await bad.readPackets(4);
  const errorsBefore = broker.stats().protocolErrors;
  // A PUBACK with a reserved flag bit set is malformed [MQTT-2.2.2-2].
  await bad.write(new Uint8Array([0x41, 2, 0, 1]));
  const after = await bad.readUntilClosed();
  assert.ok(after.every((p) => p.cmd !== "puback"));
  assert.equal(broker.stats().protocolErrors, errorsBefore + 1);
  // A good subscriber beside it gets the whole set, reused from the same messages.
  await using good = await connectClient(broker, 4, { clientId: "good" });
  const inbox = new Inbox(good);
  await good.subscribeAsync("network/#", { qos: 1 });
  const received = await inbox.waitFor(10);
  assert.deepEqual(received.map((m) => m.payload).sort(), [
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
  ]);
});
