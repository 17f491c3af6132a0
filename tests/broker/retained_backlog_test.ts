/**
 * A new subscription's retained messages go out a step at a time (src/broker/retained_backlog.ts):
 * what the broker routes meanwhile still comes after them, and a client that leaves in the
 * middle loses nothing its session keeps.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import type { IClientOptions } from "mqtt";
import type { IPublishPacket, Packet } from "mqtt-packet";
import { RETAINED_STEP_MESSAGES } from "../../src/broker/retained_backlog.ts";
import * as helpers from "./_helpers.ts";
import { Inbox, RawClient } from "./_helpers.ts";
import type { Broker } from "../../src/broker/mod.ts";

/** More than a few steps' worth of retained messages, 4 KiB each as a network update is. */
const COUNT = RETAINED_STEP_MESSAGES * 6 + 5;

function retainSet(broker: Broker, prefix: string, qos: 0 | 1 = 1): void {
  const payload = "x".repeat(4096);
  for (let i = 0; i < COUNT; i++) {
    broker.publish({ topic: `${prefix}/r${i}`, payload: `${i}:${payload}`, qos, retain: true });
  }
}

/** The topics of the retained set, in the order they were retained (and are sent). */
const topicsOf = (prefix: string) => Array.from({ length: COUNT }, (_, i) => `${prefix}/r${i}`);

/** Session options that keep the session after the connection (60 s in MQTT 5). */
const persistent = (protocolVersion: 4 | 5) =>
  protocolVersion === 5
    ? { clean: false, properties: { sessionExpiryInterval: 60 } }
    : { clean: false };

/**
 * CONNECT, SUBSCRIBE to `filter` at QoS 1 and `then`, in one write and so one read: `then` is
 * handled while the retained messages are still going out. Returns the PUBLISHes the broker
 * sent before it closed the connection.
 */
async function subscribeThen(
  broker: Broker,
  protocolVersion: 4 | 5,
  clientId: string,
  filter: string,
  then: Uint8Array,
): Promise<IPublishPacket[]> {
  using raw = await RawClient.open(broker, protocolVersion);
  const connect = helpers.connectBytes(protocolVersion, {
    clientId,
    ...persistent(protocolVersion),
  });
  const subscribe = helpers.encode({
    cmd: "subscribe",
    messageId: 1,
    subscriptions: [{ topic: filter, qos: 1 }],
  }, protocolVersion);
  await raw.write(new Uint8Array([...connect, ...subscribe, ...then]));
  return publishes(await raw.readUntilClosed());
}

/**
 * An MQTT.js client back on its session, its inbox listening before CONNACK: the redelivered
 * messages come in the same read as CONNACK, before `connectAsync` would resolve.
 */
async function reconnect(
  broker: Broker,
  protocolVersion: 4 | 5,
  options: IClientOptions,
): Promise<{ inbox: Inbox } & AsyncDisposable> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, {
    protocolVersion,
    reconnectPeriod: 0,
    ...options,
  });
  const inbox = new Inbox(client);
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
  });
  return { inbox, [Symbol.asyncDispose]: () => client.endAsync(true) };
}

function publishes(packets: Packet[]): IPublishPacket[] {
  return packets.filter((packet): packet is IPublishPacket => packet.cmd === "publish");
}

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 4 ? "3.1.1" : "5";

  Deno.test(`A PUBLISH read with the SUBSCRIBE comes after every retained message (MQTT ${v})`, async () => {
    await using broker = await helpers.startBroker();
    retainSet(broker, "order");
    using raw = await RawClient.open(broker, protocolVersion);
    // One write, so one read: the PUBLISH is routed while the retained messages are going out.
    await raw.write(
      new Uint8Array([
        ...helpers.connectBytes(protocolVersion),
        ...helpers.encode({
          cmd: "subscribe",
          messageId: 1,
          subscriptions: [{ topic: "order/#", qos: 1 }],
        }, protocolVersion),
        ...helpers.encode({
          cmd: "publish",
          topic: "order/r5",
          payload: "new",
          qos: 0,
          retain: false,
          dup: false,
        }, protocolVersion),
      ]),
    );
    const packets = await raw.readPackets(2 + COUNT + 1);
    assert.deepEqual(packets.slice(0, 2).map((packet) => packet.cmd), ["connack", "suback"]);
    const got = publishes(packets);
    assert.equal(got.length, COUNT + 1);
    for (const [i, packet] of got.slice(0, COUNT).entries()) {
      assert.equal(packet.topic, `order/r${i}`);
      assert.equal(packet.retain, true); // [MQTT-3.3.1-8] / [MQTT-3.3.1-9]
      assert.ok(String(packet.payload).startsWith(`${i}:`));
    }
    // The live message last: the subscriber ends with the new value of order/r5, not the old.
    assert.equal(got[COUNT]!.topic, "order/r5");
    assert.equal(String(got[COUNT]!.payload), "new");
    assert.equal(got[COUNT]!.retain, false);
  });

  Deno.test(`A persistent session that leaves mid-backlog gets the rest when it returns (MQTT ${v})`, async () => {
    await using broker = await helpers.startBroker();
    retainSet(broker, "resume");
    const clientId = `bl${protocolVersion}`;
    const disconnect = helpers.encode({ cmd: "disconnect" }, protocolVersion);
    const first = await subscribeThen(broker, protocolVersion, clientId, "resume/#", disconnect);
    // The client went after the first step; the rest was queued in its session.
    assert.equal(first.length, RETAINED_STEP_MESSAGES);
    const options = { clientId, ...persistent(protocolVersion) };
    await using back = await reconnect(broker, protocolVersion, options);
    const received = await back.inbox.waitFor(COUNT);
    // The first step again (unacknowledged, so redelivered), then the rest, in order.
    assert.deepEqual(received.map((message) => message.topic), topicsOf("resume"));
    assert.ok(received.every((message) => message.packet.retain));
  });

  Deno.test(`A malformed packet after a SUBSCRIBE ends only that connection, its session kept whole (MQTT ${v})`, async () => {
    await using broker = await helpers.startBroker();
    retainSet(broker, "bad");
    await using bystander = await helpers.connectClient(broker, protocolVersion);
    const bystanderInbox = new Inbox(bystander);
    await bystander.subscribeAsync("alive/#");
    const clientId = `bad${protocolVersion}`;
    // Packet type 0 is reserved (§2.1.2): a protocol error, read with the SUBSCRIBE.
    const reserved = new Uint8Array([0x00, 0x00]);
    const first = await subscribeThen(broker, protocolVersion, clientId, "bad/#", reserved);
    assert.ok(first.length <= RETAINED_STEP_MESSAGES);
    await helpers.assertStillDelivers(broker, bystanderInbox, "alive/x");
    const options = { clientId, ...persistent(protocolVersion) };
    await using back = await reconnect(broker, protocolVersion, options);
    const received = await back.inbox.waitFor(COUNT);
    assert.deepEqual(received.map((message) => message.topic), topicsOf("bad"));
  });
}

Deno.test("Retained QoS 0 messages of a client that leaves mid-backlog are not kept", async () => {
  await using broker = await helpers.startBroker();
  retainSet(broker, "zero", 0);
  const disconnect = helpers.encode({ cmd: "disconnect" }, 4);
  const first = await subscribeThen(broker, 4, "bl-qos0", "zero/#", disconnect);
  assert.equal(first.length, RETAINED_STEP_MESSAGES);
  await using back = await reconnect(broker, 4, { clientId: "bl-qos0", clean: false });
  // Nothing was queued for the session: the first message it gets is a live marker.
  await helpers.assertStillDelivers(broker, back.inbox, "zero/marker");
  assert.deepEqual(back.inbox.messages.map((message) => message.topic), ["zero/marker"]);
});
