import assert from "node:assert/strict";
import mqtt from "mqtt";
import { type SlowFeedServer, startSlowFeedServer } from "./_slow_feed_server.ts";
import { spawnSpoke } from "../_support/spoke_process.ts";

const NETWORKS = ["slow-a", "slow-b", "slow-c", "slow-d"];
const SYSTEM = 2;

async function writeConfig(feeds: SlowFeedServer, shutdownTimeoutS: number) {
  const dir = await Deno.makeTempDir({ prefix: "spoke-shutdown-" });
  const file = `${dir}/spoke.toml`;
  await Deno.writeTextFile(
    file,
    `[mqtt]
port = 0
[http]
enabled = false
[catalog]
builtin = false
[engine]
shutdown_timeout = ${shutdownTimeoutS}
[[rules]]
match = ".*"
interval = 3600
retries = 0
concurrency = { system = ${SYSTEM} }
${
      NETWORKS.map((tag) =>
        `[[networks]]\nclass = "gbfs"\ntag = "${tag}"\nname = "${tag}"\nurl = "${feeds.url(tag)}"\n`
      ).join("")
    }`,
  );
  return { dir, file };
}

/** An MQTT 5 subscriber to network/# that records every message and the server's DISCONNECT. */
async function subscriber(port: number) {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
  const messages = new Map<string, string>();
  const disconnected = Promise.withResolvers<number | undefined>();
  client.on("message", (topic, payload) => messages.set(topic, payload.toString()));
  client.on("disconnect", (packet) => disconnected.resolve(packet.reasonCode));
  await client.subscribeAsync("network/#");
  return { client, messages, disconnected: disconnected.promise };
}

Deno.test("SIGTERM lets running scrapes finish within shutdown_timeout, publishes them whole, drops the queued, exits 0", async () => {
  await using feeds = startSlowFeedServer({ delayMs: 400 });
  const { dir, file } = await writeConfig(feeds, 30);
  await using spoke = await spawnSpoke(file);
  const sub = await subscriber(spoke.mqttPort);
  // Both class permits are taken: two networks are in flight, two wait in the queue.
  await feeds.requested(SYSTEM);
  const inFlight = [...feeds.requests.keys()];
  assert.equal(inFlight.length, SYSTEM);
  spoke.signal("SIGTERM");
  assert.equal(await sub.disconnected, 0x8b); // server shutting down
  assert.equal((await spoke.status).code, 0);
  await sub.client.endAsync(true);
  assert.deepEqual(
    [...sub.messages.keys()].sort(),
    inFlight.map((tag) => `network/gbfs/${tag}/update`).sort(),
  );
  for (const payload of sub.messages.values()) {
    assert.ok(Array.isArray(JSON.parse(payload).stations));
  }
  // The queued networks were never fetched.
  assert.deepEqual([...feeds.requests.keys()].sort(), inFlight.sort());
  await Deno.remove(dir, { recursive: true });
});

Deno.test("SIGTERM aborts scrapes that outlive shutdown_timeout, publishes nothing half-done, exits 0", async () => {
  await using feeds = startSlowFeedServer({ delayMs: 0, hang: true });
  const { dir, file } = await writeConfig(feeds, 0.2);
  await using spoke = await spawnSpoke(file);
  const sub = await subscriber(spoke.mqttPort);
  await feeds.requested(SYSTEM);
  spoke.signal("SIGTERM");
  // The feed never answers: only the abort at the deadline lets the process end.
  assert.equal((await spoke.status).code, 0);
  await sub.disconnected;
  await sub.client.endAsync(true);
  assert.equal(sub.messages.size, 0);
  assert.ok(spoke.lines.some((line) => /stopped/.test(line)));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a second signal during a slow shutdown exits at once", async () => {
  await using feeds = startSlowFeedServer({ delayMs: 0, hang: true });
  const { dir, file } = await writeConfig(feeds, 3600);
  await using spoke = await spawnSpoke(file);
  await feeds.requested(SYSTEM);
  const from = spoke.lines.length;
  spoke.signal("SIGTERM");
  await spoke.waitForLine(/shutting down/, { from });
  spoke.signal("SIGTERM");
  assert.notEqual((await spoke.status).code, 0);
  await Deno.remove(dir, { recursive: true });
});
