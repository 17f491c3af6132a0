import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { IPublishPacket } from "mqtt-packet";
import { Broker } from "../../src/broker/mod.ts";
import { type InflightPublish, Session } from "../../src/broker/session.ts";
import { createMessage } from "../../src/broker/message.ts";
import {
  assertStillDelivers,
  connectBytes,
  connectClient,
  encode,
  Inbox,
  RawClient,
  sleep,
  startBroker,
} from "./_helpers.ts";

/** A payload that says which message it is in every byte, so a mixed-up batch shows. */
function payloadOf(index: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (index * 31 + i) & 0xff;
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

async function rawSubscriber(broker: Broker, topic: string, qos: 0 | 1): Promise<RawClient> {
  const raw = await RawClient.open(broker, 4);
  await raw.write(connectBytes(4));
  await raw.write(encode({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos }] }, 4));
  await raw.readPackets(2); // CONNACK, SUBACK
  return raw;
}

Deno.test("Broker fans out every message intact and in order while a subscriber stalls, then drops", async () => {
  await using broker = await startBroker({ sysIntervalSeconds: 0 });
  const count = 120;
  const size = 16 * 1024;
  const subscribers = await Promise.all(
    [[4, 1], [5, 1], [4, 0], [5, 0]].map(async ([version, qos]) => {
      const client = await connectClient(broker, version as 4 | 5);
      const inbox = new Inbox(client);
      await client.subscribeAsync("fan/#", { qos: qos as 0 | 1 });
      return { client, inbox, qos };
    }),
  );
  // Reads everything and acknowledges nothing: every packet id it gets stays in flight.
  using silent = await rawSubscriber(broker, "fan/#", 1);
  // Reads nothing at all from here on, then goes away while its writes are pending.
  const stalled = await rawSubscriber(broker, "fan/#", 1);
  await using publisher = await connectClient(broker, 4);
  const sent = Array.from({ length: count }, (_, index) => payloadOf(index, size));
  const publishing = sent.map((payload, index) =>
    publisher.publishAsync(`fan/${index % 3}`, Buffer.from(payload), { qos: 1 })
  );
  await Promise.all(publishing.slice(0, count / 2));
  stalled.conn.close();
  await Promise.all(publishing);

  for (const { inbox, qos } of subscribers) {
    const received = await inbox.waitFor(count);
    assert.equal(received.length, count, `QoS ${qos}`);
    received.forEach((message, index) => {
      assert.equal(message.topic, `fan/${index % 3}`);
      assert.deepEqual(new Uint8Array(message.packet.payload as Uint8Array), sent[index]);
    });
  }
  const packets = (await silent.readPackets(2 + count)).slice(2) as IPublishPacket[];
  assert.equal(packets.length, count);
  packets.forEach((packet, index) => {
    assert.equal(packet.qos, 1);
    assert.deepEqual(new Uint8Array(packet.payload as Uint8Array), sent[index]);
  });
  // [MQTT-2.3.1-2] none acknowledged, so no packet id may come twice.
  assert.equal(new Set(packets.map((packet) => packet.messageId)).size, count);
  await assertStillDelivers(broker, subscribers[0]!.inbox, "fan/alive");
  for (const { client } of subscribers) await client.endAsync(true);
});

Deno.test("Broker never gives a message the packet id still in flight to a restored session", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/broker.db`;
    const clientId = "keeps-id-1";
    const start = async () => {
      const broker = new Broker({ port: 0, persistence: path, sysIntervalSeconds: 0 });
      await broker.listen();
      return Object.assign(broker, { [Symbol.asyncDispose]: () => broker.close() });
    };
    {
      await using broker = await start();
      using raw = await RawClient.open(broker, 4);
      await raw.write(connectBytes(4, { clientId, clean: false }));
      await raw.write(
        encode({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "ids/#", qos: 1 }] }, 4),
      );
      await raw.readPackets(2);
      broker.publish({ topic: "ids/first", payload: "first", qos: 1 });
      const [, , first] = await raw.readPackets(3) as IPublishPacket[];
      assert.equal(first?.payload.toString(), "first");
      raw.conn.close(); // unacknowledged: its packet id stays in flight
      while (broker.stats().clientsConnected > 0) await sleep(10);
    }
    // A new broker offers the ids from the first again, to every subscriber of each message.
    await using broker = await start();
    await using bystander = await connectClient(broker, 4);
    const inbox = new Inbox(bystander);
    await bystander.subscribeAsync("ids/#", { qos: 1 });
    using raw = await RawClient.open(broker, 4);
    await raw.write(connectBytes(4, { clientId, clean: false }));
    const [, redelivered] = await raw.readPackets(2) as IPublishPacket[];
    assert.equal(redelivered?.dup, true);
    const inFlight = redelivered!.messageId;
    const payloads = ["a", "b", "c"];
    for (const payload of payloads) broker.publish({ topic: "ids/next", payload, qos: 1 });
    const next = (await raw.readPackets(2 + payloads.length)).slice(2) as IPublishPacket[];
    assert.deepEqual(next.map((packet) => packet.payload.toString()), payloads);
    const ids = next.map((packet) => packet.messageId);
    assert.ok(!ids.includes(inFlight), `ids ${ids} beside ${inFlight} in flight`);
    assert.equal(new Set(ids).size, ids.length);
    const received = await inbox.waitFor(payloads.length);
    assert.deepEqual(received.map((message) => message.payload), payloads);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Session.allocatePacketId() takes the preferred id when it is free, another when not", () => {
  const session = new Session("s", { maxMessages: 10, maxBytes: 1000, policy: "drop-oldest" });
  const message = createMessage({ topic: "t", payload: "", qos: 1, retain: false }, undefined);
  const entry: InflightPublish = {
    message,
    qos: 1,
    retain: false,
    subscriptionIds: undefined,
    state: "publish",
  };
  assert.equal(session.allocatePacketId(7), 7);
  session.inflight.set(7, entry);
  const other = session.allocatePacketId(7);
  assert.ok(other !== undefined && other !== 7 && other > 0);
  session.inflight.set(other, entry);
  // 0 is never an id: no preference.
  const third = session.allocatePacketId(0);
  assert.ok(third !== undefined && third !== 7 && third !== other && third > 0);
});

Deno.test("Broker sends payloads just under, at and over a write batch whole to every subscriber", async () => {
  await using broker = await startBroker({ sysIntervalSeconds: 0 });
  const topic = "big/one";
  // Around 64 KiB less a head (a 7-byte topic: heads of 17 to 19 bytes), and well over it.
  const sizes = [65_536 - 20, 65_536 - 19, 65_536 - 17, 65_536, 200_000, 10];
  const subscribers = await Promise.all([[4, 0], [5, 1], [4, 1]].map(async ([version, qos]) => {
    const client = await connectClient(broker, version as 4 | 5);
    const inbox = new Inbox(client);
    await client.subscribeAsync("big/#", { qos: qos as 0 | 1 });
    return { client, inbox };
  }));
  await using publisher = await connectClient(broker, 5);
  const sent = sizes.map((size, index) => payloadOf(index, size));
  for (const payload of sent) await publisher.publishAsync(topic, Buffer.from(payload), { qos: 1 });
  for (const { inbox } of subscribers) {
    const received = await inbox.waitFor(sizes.length);
    assert.deepEqual(
      received.map((message) => new Uint8Array(message.packet.payload as Uint8Array)),
      sent,
    );
  }
  for (const { client } of subscribers) await client.endAsync(true);
});
