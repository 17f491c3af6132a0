import assert from "node:assert/strict";
import mqtt from "mqtt";
import type { Broker } from "../../src/broker/mod.ts";
import { connectClient, Inbox, startBroker } from "./_helpers.ts";

/** An HTTP server that hands `/mqtt` to the broker, closed by `await using`. */
function serveMqttOverWebSocket(broker: Broker): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    if (new URL(request.url).pathname === "/mqtt") return broker.upgradeWebSocket(request);
    return new Response("not found", { status: 404 });
  });
}

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 4 ? "3.1.1" : "5";
  Deno.test(`Broker serves MQTT over WebSocket at /mqtt beside TCP (MQTT ${v})`, async () => {
    await using broker = await startBroker();
    await using server = serveMqttOverWebSocket(broker);
    const url = `ws://127.0.0.1:${server.addr.port}/mqtt`;
    const ws = await mqtt.connectAsync(url, { protocolVersion, reconnectPeriod: 0 });
    try {
      await using tcp = await connectClient(broker, protocolVersion);
      const wsInbox = new Inbox(ws);
      const tcpInbox = new Inbox(tcp);
      await ws.subscribeAsync("ws/#", { qos: 2 });
      await tcp.subscribeAsync("tcp/#", { qos: 1 });
      // A payload larger than one read buffer, so a packet spans WebSocket messages or reads.
      const big = "x".repeat(100_000);
      await tcp.publishAsync("ws/in", big, { qos: 2 });
      await ws.publishAsync("tcp/in", "from ws", { qos: 1 });
      const [toWs] = await wsInbox.waitFor(1);
      const [toTcp] = await tcpInbox.waitFor(1);
      assert.equal(toWs?.payload, big);
      assert.equal(toTcp?.payload, "from ws");
    } finally {
      await ws.endAsync();
    }
  });
}

Deno.test("Broker.upgradeWebSocket() refuses plain HTTP (426) and foreign subprotocols (400)", async () => {
  await using broker = await startBroker();
  await using server = serveMqttOverWebSocket(broker);
  const base = `http://127.0.0.1:${server.addr.port}/mqtt`;
  const plain = await fetch(base);
  await plain.body?.cancel();
  assert.equal(plain.status, 426);
  const socket = new WebSocket(`ws://127.0.0.1:${server.addr.port}/mqtt`, ["chat"]);
  const closed = new Promise<void>((resolve) => socket.onclose = () => resolve());
  await closed; // the handshake fails: 400
  assert.equal(broker.stats().clientsTotal, 0);
});
