import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startSlowFeedServer } from "./_slow_feed_server.ts";
import { spawnSpoke } from "../_support/spoke_process.ts";

const NETWORKS = Array.from({ length: 10 }, (_, i) => `slow-${i}`);
const SYSTEM = 2;
const NETWORK = 1;

Deno.test("spoke run keeps 10 slow networks of one class within concurrency system=2, network=1, and publishes all", async () => {
  await using feeds = startSlowFeedServer({ delayMs: 150 });
  const dir = await Deno.makeTempDir({ prefix: "spoke-concurrency-" });
  const file = `${dir}/spoke.toml`;
  await Deno.writeTextFile(
    file,
    `[mqtt]
port = 0
[http]
enabled = false
[catalog]
builtin = false
[queues]
default = 8
[[rules]]
match = "gbfs::.*"
interval = 3600
concurrency = { system = ${SYSTEM}, network = ${NETWORK} }
${
      NETWORKS.map((tag) =>
        `[[networks]]\nclass = "gbfs"\ntag = "${tag}"\nname = "${tag}"\nurl = "${feeds.url(tag)}"\n`
      ).join("")
    }`,
  );
  await using spoke = await spawnSpoke(file);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${spoke.mqttPort}`, {
    reconnectPeriod: 0,
  });
  try {
    const topics = new Set(NETWORKS.map((tag) => `network/gbfs/${tag}/update`));
    const seen = new Set<string>();
    const all = Promise.withResolvers<void>();
    client.on("message", (topic, payload) => {
      assert.ok(Array.isArray(JSON.parse(payload.toString()).stations));
      seen.add(topic);
      if ([...topics].every((t) => seen.has(t))) all.resolve();
    });
    await client.subscribeAsync("network/#");
    await all.promise;
  } finally {
    await client.endAsync();
  }
  // All ten are due at start and eight workers are free: the class limit, not chance, holds them.
  assert.equal(feeds.maxNetworksInFlight, SYSTEM);
  for (const tag of NETWORKS) {
    assert.ok(
      (feeds.maxDiscoveryInFlight.get(tag) ?? 0) <= NETWORK,
      `${tag} was scraped twice at once`,
    );
  }
  spoke.signal("SIGTERM");
  assert.equal((await spoke.status).code, 0);
  await Deno.remove(dir, { recursive: true });
});
