import assert from "node:assert/strict";
import type { Packet } from "mqtt-packet";
import { connectBytes, connectClient, encode, Inbox, startBroker } from "./_helpers.ts";
import { seededRandom as random } from "../_support/seeded_random.ts";

/** Valid packets of both versions, the material mutations start from. */
function templates(version: 4 | 5): Uint8Array[] {
  const packets: Packet[] = [
    {
      cmd: "publish",
      topic: "fuzz/a",
      payload: "payload",
      qos: 1,
      messageId: 7,
      dup: false,
      retain: true,
    },
    {
      cmd: "publish",
      topic: "fuzz/b",
      payload: "",
      qos: 2,
      messageId: 8,
      dup: false,
      retain: false,
    },
    { cmd: "subscribe", messageId: 9, subscriptions: [{ topic: "fuzz/#", qos: 2 }] },
    { cmd: "unsubscribe", messageId: 10, unsubscriptions: ["fuzz/#"] },
    { cmd: "pubrel", messageId: 8 },
    { cmd: "puback", messageId: 1 },
    { cmd: "pingreq" },
  ];
  return [connectBytes(version), ...packets.map((packet) => encode(packet, version))];
}

function mutate(bytes: Uint8Array, next: () => number): Uint8Array {
  const copy = bytes.slice();
  switch (Math.floor(next() * 4)) {
    case 0: // flip bytes
      for (let i = 0; i < 1 + next() * 4; i++) {
        copy[Math.floor(next() * copy.length)] = next() * 256;
      }
      return copy;
    case 1: // truncate
      return copy.subarray(0, Math.floor(next() * copy.length));
    case 2: // random garbage
      return crypto.getRandomValues(new Uint8Array(1 + Math.floor(next() * 64)));
    default: // an absurd remaining length
      copy[1] = 0xff;
      return copy;
  }
}

async function fuzzConnection(port: number, next: () => number, rounds: number): Promise<void> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const sink = (async () => {
    const buffer = new Uint8Array(4096);
    try {
      while ((await conn.read(buffer)) !== null);
    } catch {
      // Reset by the broker: expected.
    }
  })();
  try {
    const version = next() < 0.5 ? 4 : 5;
    const material = templates(version);
    // Half the connections start with a valid CONNECT, to reach the handlers past it.
    if (next() < 0.5) await conn.write(material[0]!);
    for (let round = 0; round < rounds; round++) {
      const template = material[Math.floor(next() * material.length)]!;
      await conn.write(next() < 0.3 ? template : mutate(template, next));
    }
  } catch {
    // The broker closed this connection for its garbage: expected.
  } finally {
    try {
      conn.close();
    } catch {
      // Closed already.
    }
    await sink;
  }
}

Deno.test("Broker survives random and mutated packets from many connections; others lose nothing", async () => {
  const seed = Date.now() >>> 0;
  const next = random(seed);
  await using broker = await startBroker({ maxPacketSize: 64 * 1024, sysIntervalSeconds: 0 });
  await using subscriber = await connectClient(broker, 5);
  await using publisher = await connectClient(broker, 4);
  const inbox = new Inbox(subscriber);
  await subscriber.subscribeAsync("steady/#", { qos: 2 });

  const connections = 40;
  const fuzzing = Promise.all(
    Array.from({ length: connections }, () => fuzzConnection(broker.port, next, 30)),
  );
  const sent: string[] = [];
  const publishing = (async () => {
    for (let i = 0; i < 200; i++) {
      const payload = `m${i}`;
      sent.push(payload);
      await publisher.publishAsync("steady/x", payload, { qos: (i % 3) as 0 | 1 | 2 });
    }
  })();
  await Promise.all([fuzzing, publishing]);
  const received = await inbox.waitFor(sent.length);
  assert.deepEqual(received.map((m) => m.payload).sort(), [...sent].sort(), `seed ${seed}`);
  assert.ok(broker.stats().protocolErrors > 0, `seed ${seed}: the fuzzing reached the broker`);
  assert.equal(subscriber.connected && publisher.connected, true);
  // Still accepting new clients.
  await using late = await connectClient(broker, 5);
  assert.equal(late.connected, true);
});
