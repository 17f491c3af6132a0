import assert from "node:assert/strict";
import mqtt from "mqtt";
import type { IConnackPacket, IPublishPacket } from "mqtt-packet";
import { Broker } from "../../src/broker/mod.ts";
import { connectBytes, connectClient, encode, Inbox, RawClient, sleep } from "./_helpers.ts";

async function withTempDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function startPersistentBroker(path: string): Promise<Broker & AsyncDisposable> {
  const broker = new Broker({ port: 0, persistence: path, sysIntervalSeconds: 0 });
  await broker.listen();
  return Object.assign(broker, { [Symbol.asyncDispose]: () => broker.close() });
}

Deno.test("Broker brings retained messages and persistent sessions back after a restart", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/broker.db`;
    const retained = { topic: "network/gbfs/demo/update", payload: '{"stations":[]}' };
    const clientId = "survivor";
    const queuedPayloads = ["one", "two"];
    {
      await using broker = await startPersistentBroker(path);
      broker.publish({ ...retained, qos: 1, retain: true });
      using raw = await RawClient.open(broker, 5);
      await raw.write(connectBytes(5, {
        clientId,
        clean: false,
        properties: { sessionExpiryInterval: 3600 },
      }));
      await raw.write(encode({
        cmd: "subscribe",
        messageId: 1,
        subscriptions: [{ topic: "jobs/#", qos: 2 }],
        properties: { subscriptionIdentifier: 4 },
      }, 5));
      await raw.readPackets(2);
      raw.conn.close();
      while (broker.stats().clientsConnected > 0) await sleep(10);
      for (const payload of queuedPayloads) broker.publish({ topic: "jobs/a", payload, qos: 1 });
      assert.equal(broker.stats().queued, queuedPayloads.length);
    } // close() saves the last batch

    await using broker = await startPersistentBroker(path);
    const stats = broker.stats();
    assert.equal(stats.retained, 1);
    assert.equal(stats.sessions, 1);
    assert.equal(stats.subscriptions, 1);
    assert.equal(stats.queued, queuedPayloads.length);
    using raw = await RawClient.open(broker, 5);
    await raw.write(connectBytes(5, { clientId, clean: false }));
    const packets = await raw.readPackets(1 + queuedPayloads.length);
    assert.equal((packets[0] as IConnackPacket).sessionPresent, true);
    const delivered = packets.slice(1) as IPublishPacket[];
    assert.deepEqual(delivered.map((p) => p.payload.toString()), queuedPayloads);
    assert.ok(delivered.every((p) => p.properties?.subscriptionIdentifier === 4));
    await using late = await connectClient(broker, 4);
    const inbox = new Inbox(late);
    await late.subscribeAsync("network/#");
    const [message] = await inbox.waitFor(1);
    assert.equal(message?.payload, retained.payload);
  });
});

Deno.test("Broker forgets sessions that ended and retained messages that were cleared", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/broker.db`;
    {
      await using broker = await startPersistentBroker(path);
      broker.publish({ topic: "a", payload: "x", retain: true });
      broker.publish({ topic: "b", payload: "y", retain: true });
      broker.publish({ topic: "a", payload: "", retain: true }); // clears a
      await using client = await connectClient(broker, 4, { clientId: "c", clean: false });
      await client.subscribeAsync("t");
      await using _clean = await connectClient(broker, 4, { clientId: "c2", clean: true });
    }
    {
      await using broker = await startPersistentBroker(path);
      assert.equal(broker.stats().retained, 1);
      assert.equal(broker.stats().sessions, 1); // c kept, c2 was clean
      // A clean start ends c's session; the next start must not bring it back.
      await using _client = await connectClient(broker, 4, { clientId: "c", clean: true });
    }
    await using broker = await startPersistentBroker(path);
    assert.equal(broker.stats().sessions, 0);
  });
});

Deno.test("new Broker() names a persistence file it cannot open", () => {
  assert.throws(
    () => new Broker({ persistence: "/nonexistent/dir/broker.db" }),
    /broker persistence "\/nonexistent\/dir\/broker.db"/,
  );
});

Deno.test("spoke broker keeps retained messages and queued messages across kill -9", async () => {
  await withTempDir(async (dir) => {
    const config = `${dir}/spoke.toml`;
    await Deno.writeTextFile(
      config,
      `[mqtt]\npersistence = "${dir}/broker.db"\nsys_interval = 0\n`,
    );
    const start = async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../../mod.ts", import.meta.url).pathname,
          "broker",
          "-p",
          "0",
          "-c",
          config,
        ],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      // The log line "mqtt listening on HOST:PORT" gives the port.
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`broker exited: ${text}`);
        text += value;
        const match = /mqtt listening on [^:\s]+:(\d+)/.exec(text);
        if (match) {
          // Keep draining stderr so the child never blocks on a full pipe.
          void (async () => {
            while (!(await reader.read()).done);
          })();
          return { child, port: Number(match[1]) };
        }
      }
    };
    const first = await start();
    const url = `mqtt://127.0.0.1:${first.port}`;
    const subscriber = await mqtt.connectAsync(url, {
      clientId: "offline",
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    await subscriber.subscribeAsync("q/#", { qos: 1 });
    await subscriber.endAsync();
    const publisher = await mqtt.connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 });
    await publisher.publishAsync("kept/a", "retained", { qos: 1, retain: true });
    await publisher.publishAsync("q/a", "queued", { qos: 1 });
    await publisher.endAsync();
    await sleep(1500); // past one persistence batch (1 s)
    first.child.kill("SIGKILL");
    await first.child.status;

    const second = await start();
    try {
      const url2 = `mqtt://127.0.0.1:${second.port}`;
      // The queued message follows CONNACK at once: listen before connecting.
      const back = mqtt.connect(url2, {
        clientId: "offline",
        clean: false,
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      const inbox = new Inbox(back);
      await new Promise((resolve) => back.once("connect", resolve));
      await back.subscribeAsync("kept/#");
      const received = await inbox.waitFor(2);
      assert.deepEqual(
        received.map((m) => [m.topic, m.payload]).sort(),
        [["kept/a", "retained"], ["q/a", "queued"]],
      );
      await back.endAsync();
    } finally {
      second.child.kill("SIGTERM");
      await second.child.status;
    }
  });
});
