import assert from "node:assert/strict";
import { Broker } from "../../src/broker/mod.ts";
import type { IConnackPacket, IDisconnectPacket } from "mqtt-packet";
import { connectBytes, connectClient, encode, RawClient, startBroker } from "./_helpers.ts";

Deno.test("Broker accepts an MQTT 3.1.1 client", async () => {
  await using broker = await startBroker();
  await using client = await connectClient(broker, 4);
  assert.equal(client.connected, true);
  assert.equal(broker.stats().clientsConnected, 1);
});

Deno.test("Broker accepts an MQTT 5 client and announces its limits in CONNACK", async () => {
  const maxPacketSize = 4096;
  await using broker = await startBroker({ maxPacketSize });
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5));
  const [connack] = await raw.readPackets(1) as IConnackPacket[];
  assert.equal(connack?.cmd, "connack");
  assert.equal(connack.reasonCode, 0);
  assert.equal(connack.sessionPresent, false);
  // Maximum QoS absent means 2 (§3.2.2.3.4).
  assert.equal(connack.properties?.maximumQoS, undefined);
  assert.equal(connack.properties?.retainAvailable, true);
  assert.equal(connack.properties?.wildcardSubscriptionAvailable, true);
  assert.equal(connack.properties?.sharedSubscriptionAvailable, true);
  assert.equal(connack.properties?.maximumPacketSize, maxPacketSize);
  assert.equal(connack.properties?.topicAliasMaximum, 10);
  assert.equal(connack.properties?.receiveMaximum, 1000);
});

Deno.test("Broker assigns a client id to an MQTT 5 client that sent an empty one", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5, { clientId: "" }));
  const [connack] = await raw.readPackets(1) as IConnackPacket[];
  assert.equal(connack?.reasonCode, 0);
  const assigned = connack.properties?.assignedClientIdentifier;
  assert.equal(typeof assigned, "string");
  assert.ok(assigned!.length > 0);
});

Deno.test("Broker accepts an empty 3.1.1 client id with clean session 1", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 4);
  await raw.write(connectBytes(4, { clientId: "", clean: true }));
  const [connack] = await raw.readPackets(1) as IConnackPacket[];
  assert.equal(connack?.returnCode, 0);
});

Deno.test("Broker refuses an empty 3.1.1 client id with clean session 0 (CONNACK 0x02)", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 4);
  // mqtt-packet will not encode this CONNECT, so it is written out (§3.1): protocol name,
  // level 4, connect flags 0 (clean session 0), keep-alive 0, empty client id.
  const variableHeaderAndPayload = [
    0,
    4,
    ..."MQTT".split("").map((c) => c.charCodeAt(0)),
    4,
    0,
    0,
    0,
    0,
    0,
  ];
  await raw.write(
    new Uint8Array([0x10, variableHeaderAndPayload.length, ...variableHeaderAndPayload]),
  );
  const packets = await raw.readUntilClosed();
  assert.deepEqual(packets.map((packet) => packet.cmd), ["connack"]);
  assert.equal((packets[0] as IConnackPacket).returnCode, 0x02);
});

Deno.test("Broker answers an unsupported protocol level with CONNACK 0x01 and closes", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 4);
  const bytes = connectBytes(4);
  // The protocol level byte follows the two length bytes and "MQTT" (§3.1.2.2).
  const levelOffset = 2 + 2 + 4;
  assert.equal(bytes[levelOffset], 4);
  bytes[levelOffset] = 6;
  await raw.write(bytes);
  const packets = await raw.readUntilClosed();
  assert.deepEqual(packets.map((packet) => packet.cmd), ["connack"]);
  assert.equal((packets[0] as IConnackPacket).returnCode, 0x01);
  assert.equal(broker.stats().protocolErrors, 1);
});

Deno.test("Broker accepts a client whose will is on a protected topic, drops the will", async () => {
  await using broker = await startBroker();
  await using watcher = await connectClient(broker, 5);
  const received: string[] = [];
  watcher.on("message", (topic) => received.push(topic));
  await watcher.subscribeAsync(["network/#", "marker"]);
  for (const version of [4, 5] as const) {
    using raw = await RawClient.open(broker, version);
    await raw.write(connectBytes(version, { will: { topic: "network/x/y/update", payload: "" } }));
    const [connack] = await raw.readPackets(1) as IConnackPacket[];
    assert.equal(version === 5 ? connack?.reasonCode : connack?.returnCode, 0);
  } // both dropped without DISCONNECT: their wills would fire now
  while (broker.stats().clientsConnected > 1) await new Promise((r) => setTimeout(r, 10));
  broker.publish({ topic: "marker", payload: "" });
  while (received.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(received, ["marker"]);
  assert.equal(broker.stats().dropped, 2);
});
Deno.test("Broker closes a connection that never sends CONNECT", async () => {
  await using broker = await startBroker({ connectTimeoutMs: 100 });
  using raw = await RawClient.open(broker, 4);
  const packets = await raw.readUntilClosed();
  assert.deepEqual(packets, []);
});

Deno.test("Broker closes an MQTT 5 client silent for 1.5 × keep-alive (DISCONNECT 0x8D)", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5, { keepalive: 1 }));
  const packets = await raw.readUntilClosed();
  assert.deepEqual(packets.map((packet) => packet.cmd), ["connack", "disconnect"]);
  assert.equal((packets[1] as IDisconnectPacket).reasonCode, 0x8d);
  assert.equal(broker.stats().clientsConnected, 0);
});

Deno.test("Broker closes an MQTT 3.1.1 client silent for 1.5 × keep-alive", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 4);
  await raw.write(connectBytes(4, { keepalive: 1 }));
  const packets = await raw.readUntilClosed();
  assert.deepEqual(packets.map((packet) => packet.cmd), ["connack"]);
});

Deno.test("Broker keeps a pinging client and closes a silent one, both on keep-alive 1 s", async () => {
  await using broker = await startBroker();
  using silent = await RawClient.open(broker, 4);
  using pinging = await RawClient.open(broker, 4);
  await silent.write(connectBytes(4, { keepalive: 1, clientId: "silent" }));
  await pinging.write(connectBytes(4, { keepalive: 1, clientId: "pinging" }));
  await pinging.readPackets(1);
  let keepPinging = true;
  const pings = (async () => {
    while (keepPinging) {
      await pinging.write(encode({ cmd: "pingreq" }, 4));
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  })();
  const packets = await silent.readUntilClosed();
  assert.deepEqual(packets.map((packet) => packet.cmd), ["connack"]);
  // The silent one is gone; the one that kept sending is still connected.
  assert.equal(broker.stats().clientsConnected, 1);
  keepPinging = false;
  await pings;
});

Deno.test("Broker answers PINGREQ with PINGRESP", async () => {
  await using broker = await startBroker();
  using raw = await RawClient.open(broker, 4);
  await raw.write(connectBytes(4));
  await raw.write(encode({ cmd: "pingreq" }, 4));
  const packets = await raw.readPackets(2);
  assert.deepEqual(packets.map((packet) => packet.cmd), ["connack", "pingresp"]);
});

Deno.test("Broker hands a client id to a new MQTT 5 connection (DISCONNECT 0x8E to the old)", async () => {
  await using broker = await startBroker();
  const clientId = "takeover-v5";
  await using first = await connectClient(broker, 5, { clientId });
  const firstDisconnected = new Promise<IDisconnectPacket>((resolve) => {
    first.on("disconnect", (packet) => resolve(packet));
  });
  const firstClosed = new Promise<void>((resolve) => first.once("close", () => resolve()));
  await using second = await connectClient(broker, 5, { clientId });
  assert.equal((await firstDisconnected).reasonCode, 0x8e);
  await firstClosed;
  assert.equal(second.connected, true);
  assert.equal(broker.stats().clientsConnected, 1);
});

Deno.test("Broker hands a client id to a new MQTT 3.1.1 connection and closes the old", async () => {
  await using broker = await startBroker();
  const clientId = "takeover-v4";
  await using first = await connectClient(broker, 4, { clientId });
  const firstClosed = new Promise<void>((resolve) => first.once("close", () => resolve()));
  await using second = await connectClient(broker, 4, { clientId });
  await firstClosed;
  assert.equal(second.connected, true);
  // The new session, not the old one, receives messages for its subscriptions.
  await second.subscribeAsync("takeover/topic");
  assert.equal(broker.stats().subscriptions, 1);
});

Deno.test("Broker.close() sends MQTT 5 clients DISCONNECT 0x8B", async () => {
  const broker = await startBroker();
  await using client = await connectClient(broker, 5);
  const disconnected = new Promise<IDisconnectPacket>((resolve) => {
    client.on("disconnect", (packet) => resolve(packet));
  });
  await broker.close();
  assert.equal((await disconnected).reasonCode, 0x8b);
  assert.equal(broker.stats().clientsConnected, 0);
});

Deno.test("Broker.handleConnection() serves a connection accepted elsewhere", async () => {
  // No broker.listen(): the connection comes from a listener of the test's own, as a WebSocket
  // or TLS listener would hand one over.
  await using broker = await Promise.resolve(
    Object.assign(new Broker(), { [Symbol.asyncDispose]: () => broker.close() }),
  );
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await broker.handleConnection(conn);
  })();
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  await conn.write(connectBytes(5));
  await conn.write(encode({ cmd: "pingreq" }, 5));
  await conn.write(encode({ cmd: "disconnect", reasonCode: 0 }, 5));
  const received: number[] = [];
  const buffer = new Uint8Array(1024);
  for (;;) {
    const count = await conn.read(buffer);
    if (count === null) break;
    received.push(...buffer.subarray(0, count));
  }
  conn.close();
  await served;
  // CONNACK (type 2) first, PINGRESP (type 13) last: the broker answered both.
  assert.equal(received[0]! >> 4, 2);
  assert.deepEqual(received.slice(-2), [0xd0, 0x00]);
  assert.equal(broker.stats().clientsTotal, 1);
});

Deno.test("Broker caps an MQTT 5 keep-alive with Server Keep Alive [MQTT-3.2.2-21]", async () => {
  const maxKeepAliveSeconds = 30;
  await using broker = await startBroker({ maxKeepAliveSeconds });
  for (
    const [asked, told] of [
      [0, maxKeepAliveSeconds],
      [maxKeepAliveSeconds * 2, maxKeepAliveSeconds],
      [maxKeepAliveSeconds - 1, undefined],
    ] as const
  ) {
    using raw = await RawClient.open(broker, 5);
    await raw.write(connectBytes(5, { keepalive: asked }));
    const [connack] = await raw.readPackets(1) as IConnackPacket[];
    assert.equal(connack?.properties?.serverKeepAlive, told, `keep-alive ${asked}`);
  }
});

Deno.test("Broker applies Server Keep Alive to a client that asked for none", async () => {
  await using broker = await startBroker({ maxKeepAliveSeconds: 1 });
  using raw = await RawClient.open(broker, 5);
  await raw.write(connectBytes(5, { keepalive: 0 }));
  const packets = await raw.readUntilClosed();
  assert.deepEqual(packets.map((packet) => packet.cmd), ["connack", "disconnect"]);
  assert.equal((packets[1] as IDisconnectPacket).reasonCode, 0x8d);
});
