import assert from "node:assert/strict";
import type { IConnackPacket, IPublishPacket, Packet } from "mqtt-packet";
import type { Broker, BrokerOptions } from "../../src/broker/mod.ts";
import {
  connectBytes,
  connectClient,
  encode,
  Inbox,
  RawClient,
  sleep,
  startBroker,
} from "./_helpers.ts";

/** A raw client that CONNECTs with `fields` and returns the CONNACK. */
async function rawConnect(
  broker: Broker,
  protocolVersion: 4 | 5,
  fields: Parameters<typeof connectBytes>[1],
): Promise<{ raw: RawClient; connack: IConnackPacket }> {
  const raw = await RawClient.open(broker, protocolVersion);
  await raw.write(connectBytes(protocolVersion, fields));
  const [connack] = await raw.readPackets(1) as IConnackPacket[];
  assert.equal(connack?.cmd, "connack");
  return { raw, connack };
}

async function subscribe(raw: RawClient, topic: string, qos: 0 | 1 | 2): Promise<void> {
  const before = (await raw.readPackets(0)).length;
  await raw.write(
    encode(
      { cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos }] },
      raw.protocolVersion,
    ),
  );
  await raw.readPackets(before + 1);
}

const publishes = (packets: Packet[]) =>
  packets.filter((p): p is IPublishPacket => p.cmd === "publish");

Deno.test("Broker keeps a clean-session-0 session and queues QoS 1/2 while the client is away (3.1.1)", async () => {
  await using broker = await startBroker();
  const clientId = "persistent-v4";
  {
    const { raw, connack } = await rawConnect(broker, 4, { clientId, clean: false });
    using _raw = raw;
    assert.equal(connack.sessionPresent, false);
    await subscribe(raw, "away/#", 2);
  }
  await waitFor(() => broker.stats().clientsConnected === 0);
  const sent = [
    { payload: "q0", qos: 0 },
    { payload: "q1", qos: 1 },
    { payload: "q2", qos: 2 },
  ] as const;
  for (const { payload, qos } of sent) broker.publish({ topic: "away/a", payload, qos });
  const queuedExpected = sent.filter((m) => m.qos > 0);
  assert.equal(broker.stats().queued, queuedExpected.length);

  const { raw, connack } = await rawConnect(broker, 4, { clientId, clean: false });
  using _raw = raw;
  assert.equal(connack.sessionPresent, true); // [MQTT-3.2.2-2]
  const received = publishes(await raw.readPackets(1 + queuedExpected.length)).map((p) => [
    p.payload.toString(),
    p.qos,
  ]);
  assert.deepEqual(received, queuedExpected.map((m) => [m.payload, m.qos]));
});

Deno.test("Broker discards the session when a client connects with clean start [MQTT-3.1.2-4]", async () => {
  await using broker = await startBroker();
  const clientId = "discarded";
  {
    const { raw } = await rawConnect(broker, 5, {
      clientId,
      clean: false,
      properties: { sessionExpiryInterval: 300 },
    });
    using _raw = raw;
    await subscribe(raw, "gone/#", 1);
  }
  await waitFor(() => broker.stats().clientsConnected === 0);
  assert.equal(broker.stats().sessions, 1);
  const { raw, connack } = await rawConnect(broker, 5, { clientId, clean: true });
  using _raw = raw;
  assert.equal(connack.sessionPresent, false);
  assert.equal(broker.stats().subscriptions, 0);
});

Deno.test("Broker ends a v5 session when its Session Expiry Interval passes [MQTT-3.1.2-23]", async () => {
  await using broker = await startBroker();
  const clientId = "expiring";
  const expirySeconds = 1;
  {
    const { raw } = await rawConnect(broker, 5, {
      clientId,
      clean: true,
      properties: { sessionExpiryInterval: expirySeconds },
    });
    using _raw = raw;
    await subscribe(raw, "exp/#", 1);
  }
  await waitFor(() => broker.stats().clientsConnected === 0);
  assert.equal(broker.stats().sessions, 1);
  await waitFor(() => broker.stats().sessions === 0);
  assert.equal(broker.stats().subscriptions, 0);
  const { raw, connack } = await rawConnect(broker, 5, { clientId, clean: false });
  using _raw = raw;
  assert.equal(connack.sessionPresent, false);
});

Deno.test("Broker ends a v5 session with no Session Expiry Interval with its connection", async () => {
  await using broker = await startBroker();
  {
    const { raw } = await rawConnect(broker, 5, { clientId: "short", clean: false });
    using _raw = raw;
    await subscribe(raw, "s/#", 1);
  }
  await waitFor(() => broker.stats().clientsConnected === 0);
  assert.equal(broker.stats().sessions, 0);
  assert.equal(broker.stats().subscriptions, 0);
});

Deno.test("Broker takes a DISCONNECT's Session Expiry Interval, and refuses 0 → more", async () => {
  await using broker = await startBroker();
  {
    const { raw } = await rawConnect(broker, 5, {
      clientId: "changes",
      properties: { sessionExpiryInterval: 300 },
    });
    using _raw = raw;
    await raw.write(encode({ cmd: "disconnect", properties: { sessionExpiryInterval: 0 } }, 5));
    await raw.readUntilClosed();
  }
  await waitFor(() => broker.stats().sessions === 0);
  const { raw } = await rawConnect(broker, 5, { clientId: "zero" });
  using _raw = raw;
  await raw.write(encode({ cmd: "disconnect", properties: { sessionExpiryInterval: 60 } }, 5));
  const packets = await raw.readUntilClosed();
  assert.equal((packets.at(-1) as Packet & { reasonCode?: number }).reasonCode, 0x82);
  assert.equal(broker.stats().protocolErrors, 1);
});

Deno.test("Broker redelivers unacknowledged messages with DUP and their ids on reconnect [MQTT-4.4.0-1]", async () => {
  await using broker = await startBroker();
  const clientId = "redeliver";
  const properties = { sessionExpiryInterval: 300 };
  let firstIds: number[];
  let pubrelId: number;
  {
    const { raw } = await rawConnect(broker, 5, { clientId, clean: true, properties });
    using _raw = raw;
    await subscribe(raw, "re/#", 2);
    broker.publish({ topic: "re/1", payload: "one", qos: 1 });
    broker.publish({ topic: "re/2", payload: "two", qos: 2 });
    broker.publish({ topic: "re/3", payload: "three", qos: 2 });
    const sent = publishes(await raw.readPackets(2 + 3));
    firstIds = sent.map((p) => p.messageId!);
    assert.ok(sent.every((p) => p.dup === false));
    // Receive the third fully up to PUBREL, never answer PUBCOMP; leave the others unanswered.
    pubrelId = sent[2]!.messageId!;
    await raw.write(encode({ cmd: "pubrec", messageId: pubrelId }, 5));
    const packets = await raw.readPackets(2 + 3 + 1);
    assert.equal(packets.at(-1)?.cmd, "pubrel");
  }
  await waitFor(() => broker.stats().clientsConnected === 0);
  const { raw, connack } = await rawConnect(broker, 5, { clientId, clean: false, properties });
  using _raw = raw;
  assert.equal(connack.sessionPresent, true);
  const again = (await raw.readPackets(1 + 3)).slice(1);
  assert.deepEqual(again.map((p) => [p.cmd, p.messageId]), [
    ["publish", firstIds[0]],
    ["publish", firstIds[1]],
    ["pubrel", pubrelId],
  ]);
  assert.ok(publishes(again).every((p) => p.dup === true));
  assert.deepEqual(publishes(again).map((p) => p.payload.toString()), ["one", "two"]);
});

/** Runs the offline queue of a session past a high-water mark and returns what the client gets. */
async function overflowQueue(options: BrokerOptions, payloads: string[]): Promise<{
  received: string[];
  dropped: number;
}> {
  await using broker = await startBroker(options);
  const clientId = "overflow";
  {
    const { raw } = await rawConnect(broker, 4, { clientId, clean: false });
    using _raw = raw;
    await subscribe(raw, "hw/#", 1);
  }
  await waitFor(() => broker.stats().clientsConnected === 0);
  for (const payload of payloads) broker.publish({ topic: "hw/a", payload, qos: 1 });
  const dropped = broker.stats().dropped;
  const { raw } = await rawConnect(broker, 4, { clientId, clean: false });
  using _raw = raw;
  const kept = payloads.length - dropped;
  const received = publishes(await raw.readPackets(1 + kept)).map((p) => p.payload.toString());
  return { received, dropped };
}

Deno.test("Broker drops the oldest queued messages past a session's message high-water mark", async () => {
  const limit = 3;
  const payloads = ["a", "b", "c", "d", "e"];
  const { received, dropped } = await overflowQueue({ maxSessionQueuedMessages: limit }, payloads);
  assert.deepEqual(received, payloads.slice(-limit));
  assert.equal(dropped, payloads.length - limit);
});

Deno.test("Broker drops the newest messages past a session's high-water mark with drop-newest", async () => {
  const limit = 3;
  const payloads = ["a", "b", "c", "d", "e"];
  const { received, dropped } = await overflowQueue(
    { maxSessionQueuedMessages: limit, queuePolicy: "drop-newest" },
    payloads,
  );
  assert.deepEqual(received, payloads.slice(0, limit));
  assert.equal(dropped, payloads.length - limit);
});

Deno.test("Broker drops the oldest queued messages past a session's byte high-water mark", async () => {
  const payloads = ["1111", "2222", "3333", "4444"];
  const bytesLimit = 2 * payloads[0]!.length; // room for two
  const { received, dropped } = await overflowQueue(
    { maxSessionQueuedBytes: bytesLimit },
    payloads,
  );
  assert.deepEqual(received, payloads.slice(-2));
  assert.equal(dropped, payloads.length - 2);
});

Deno.test("Broker keeps the session across a takeover by a clean-session-0 connection", async () => {
  await using broker = await startBroker();
  const clientId = "taken";
  await using first = await connectClient(broker, 4, { clientId, clean: false });
  await first.subscribeAsync("take/#", { qos: 1 });
  await using second = await connectClient(broker, 4, { clientId, clean: false });
  const inbox = new Inbox(second);
  broker.publish({ topic: "take/a", payload: "still subscribed", qos: 1 });
  const [message] = await inbox.waitFor(1);
  assert.equal(message?.payload, "still subscribed");
  assert.equal(broker.stats().sessions, 1);
});

Deno.test("new Broker() rejects a bad queue policy and limits", async () => {
  const { Broker } = await import("../../src/broker/mod.ts");
  assert.throws(
    () => new Broker({ queuePolicy: "drop-random" as "drop-oldest" }),
    /queuePolicy must be "drop-oldest" or "drop-newest", got "drop-random"/,
  );
  assert.throws(() => new Broker({ maxInflight: 0 }), /maxInflight must be an integer/);
  assert.throws(() => new Broker({ maxSessionQueuedMessages: -1 }), RangeError);
});

/** Polls `condition` until true: state changes that follow a socket close are asynchronous. */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(10);
}
