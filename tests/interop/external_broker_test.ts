import assert from "node:assert/strict";
import mqtt from "mqtt";
import { ExternalBroker, networkMessage } from "../../src/publish/mod.ts";
import type { BrokerMessage } from "../../src/broker/mod.ts";
import type { Network } from "../../src/scrape/mod.ts";
import { startMosquitto } from "./_mosquitto.ts";

function snapshot(tag: string, version: number): BrokerMessage {
  const network: Network = {
    id: tag,
    tag,
    name: `${tag} v${version}`,
    href: `/v2/networks/${tag}`,
    location: { city: "C", country: "ES", latitude: 0, longitude: 0 },
    company: [],
    stations: [],
  };
  return networkMessage("gbfs", network, { staleAfterS: 300 });
}

function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (check()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out: ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

/** Every retained message under network/# a fresh subscriber gets, by topic. */
async function retainedAt(url: string, expected: number): Promise<Map<string, string>> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 5 });
  const seen = new Map<string, string>();
  client.on("message", (topic, payload, packet) => {
    if (packet.retain) seen.set(topic, payload.toString());
  });
  try {
    await client.subscribeAsync("network/#", { qos: 1 });
    await until(() => seen.size >= expected, `${expected} retained messages`);
  } finally {
    await client.endAsync();
  }
  return seen;
}

Deno.test("ExternalBroker publishes retained messages with MQTT 5 properties to mosquitto", async () => {
  await using mosquitto = await startMosquitto();
  const external = new ExternalBroker({ url: mosquitto.url });
  try {
    external.start();
    await until(() => external.connected, "connected");
    const message = snapshot("one", 1);
    external.publish(message);
    await until(() => external.stats().published === 1, "published");

    const client = await mqtt.connectAsync(mosquitto.url, {
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    const received = new Promise<mqtt.IPublishPacket>((resolve) =>
      client.on("message", (_topic, _payload, packet) => resolve(packet))
    );
    await client.subscribeAsync(message.topic, { qos: 1 });
    const packet = await received;
    await client.endAsync();
    assert.equal(packet.retain, true);
    assert.equal(packet.payload.toString(), message.payload);
    assert.equal(packet.properties?.contentType, message.properties?.contentType);
    assert.ok(
      packet.properties!.messageExpiryInterval! <= message.properties!.messageExpiryInterval!,
    );
  } finally {
    await external.close();
  }
});

Deno.test("while mosquitto is down only the latest state per network is held, then sent", async () => {
  await using mosquitto = await startMosquitto();
  const external = new ExternalBroker({ url: mosquitto.url, minBackoffMs: 50, maxBackoffMs: 400 });
  try {
    external.start();
    await until(() => external.connected, "connected");
    external.publish(snapshot("a", 1));
    await until(() => external.stats().published === 1, "a v1 published");

    await mosquitto.stop();
    await until(() => !external.connected, "the loss noticed");
    const newest = new Map<string, BrokerMessage>();
    for (const [tag, version] of [["a", 2], ["b", 1], ["a", 3], ["b", 2], ["a", 4]] as const) {
      const message = snapshot(tag, version);
      external.publish(message);
      newest.set(message.topic, message);
    }
    assert.equal(external.stats().pending, newest.size);
    // Down a while: several reconnects fail and back off.
    await until(() => external.stats().reconnects >= 3, "reconnect attempts");

    await mosquitto.start();
    await until(() => external.connected && external.stats().pending === 0, "reconnected");
    await until(() => external.stats().published === 1 + newest.size, "held states sent");
    // Exactly one message per network after the restart: nothing older went out.
    assert.equal(external.stats().published, 1 + newest.size);

    const retained = await retainedAt(mosquitto.url, newest.size);
    assert.deepEqual(
      retained,
      new Map([...newest].map(([topic, message]) => [topic, message.payload as string])),
    );
  } finally {
    await external.close();
  }
});

Deno.test("ExternalBroker holds at most maxPending networks, dropping the least recent", async () => {
  // Nothing listens on this port: the broker stays away for the whole test.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const external = new ExternalBroker({
    url: `mqtt://127.0.0.1:${port}`,
    maxPending: 2,
    minBackoffMs: 10_000,
  });
  try {
    external.publish(snapshot("a", 1));
    external.publish(snapshot("b", 1));
    external.publish(snapshot("a", 2)); // a is now the most recent
    external.publish(snapshot("c", 1)); // pushes out b
    assert.deepEqual(
      { pending: external.stats().pending, dropped: external.stats().dropped },
      { pending: 2, dropped: 1 },
    );
  } finally {
    await external.close();
  }
});

Deno.test("ExternalBroker refuses a bad URL and hides the password in its stats", async () => {
  for (const url of ["http://h:1883", "not a url", "mqtt://", ""]) {
    assert.throws(() => new ExternalBroker({ url }), /must be mqtt:\/\//, url);
  }
  assert.throws(() => new ExternalBroker({ url: "mqtt://h", maxPending: 0 }), RangeError);
  const external = new ExternalBroker({ url: "mqtts://spoke:hunter2@broker.example:8883" });
  assert.ok(!JSON.stringify(external.stats()).includes("hunter2"));
  await external.close();
});
