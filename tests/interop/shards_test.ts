/**
 * Two `spoke run --shard i/2` processes publishing to one real mosquitto: every
 * network arrives, each from exactly the shard rendezvous hashing gives it.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { networkKey, shardOf } from "../../src/catalog/mod.ts";
import { startFeedServer } from "../scrape/_feed_server.ts";
import { spawnSpoke } from "../_support/spoke_process.ts";
import { startMosquitto } from "./_mosquitto.ts";

const SET = "gbfs-v2.3-divvy-chicago";
const TAGS = Array.from({ length: 8 }, (_, i) => `shard-city-${i}`);

Deno.test("two shards publish to one mosquitto: union is every network, no overlap", async () => {
  await using mosquitto = await startMosquitto();
  await using feeds = startFeedServer();
  const dir = await Deno.makeTempDir({ prefix: "spoke-shards-" });
  const seen = new Map<string, number>();
  const subscriber = await mqtt.connectAsync(mosquitto.url, { reconnectPeriod: 0 });
  try {
    subscriber.on("message", (topic) => seen.set(topic, (seen.get(topic) ?? 0) + 1));
    await subscriber.subscribeAsync("network/#", { qos: 1 });
    const configFile = `${dir}/spoke.toml`;
    await Deno.writeTextFile(
      configFile,
      `
[mqtt]
enabled = false
[http]
port = 0
[publish]
broker = "${mosquitto.url}"
[catalog]
builtin = false
[[rules]]
match = ".*"
interval = 3600
jitter = 0
${
        TAGS.map((tag) =>
          `[[networks]]\nclass = "gbfs"\ntag = "${tag}"\nname = "${tag}"\nurl = "${
            feeds.url(SET)
          }"\n`
        ).join("\n")
      }`,
    );
    await using first = await spawnSpoke(configFile, ["--shard", "1/2"]);
    await using second = await spawnSpoke(configFile, ["--shard", "2/2"]);
    const keys = TAGS.map((tag) => networkKey({ class: "gbfs", tag }));
    const expected = [1, 2].map((index) => keys.filter((key) => shardOf(key, 2) === index));
    assert.ok(expected.every((share) => share.length > 0), "a shard is empty: pick other tags");

    await Promise.all(
      [first, second].flatMap((child, i) =>
        expected[i]!.map((key) => child.waitForLine(new RegExp(`published ${key}:`)))
      ),
    );
    const publishedBy = [first, second].map((child) =>
      new Set(
        child.lines.flatMap((line) => line.match(/published (gbfs::[\w-]+):/)?.[1] ?? []),
      )
    );
    assert.deepEqual([...publishedBy[0]!].sort(), expected[0]!.sort());
    assert.deepEqual([...publishedBy[1]!].sort(), expected[1]!.sort());

    const topics = TAGS.map((tag) => `network/gbfs/${tag}/update`).sort();
    const deadline = Date.now() + 20_000;
    while (seen.size < topics.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual([...seen.keys()].sort(), topics);
    assert.ok([...seen.values()].every((count) => count === 1), JSON.stringify([...seen]));

    // /health follows the external broker: 200 while it is there, 503 naming it once it is gone.
    const health = async () => {
      const response = await fetch(`http://127.0.0.1:${first.httpPort}/health`);
      return { status: response.status, body: await response.json() };
    };
    assert.equal((await health()).status, 200);
    await mosquitto.stop();
    let answer = await health();
    for (let i = 0; answer.status === 200 && i < 400; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      answer = await health();
    }
    assert.equal(answer.status, 503);
    assert.match(
      answer.body.problems.join("\n"),
      /external broker mqtt:\/\/127\.0\.0\.1:\d+ is not connected/,
    );
  } finally {
    await subscriber.endAsync();
    await Deno.remove(dir, { recursive: true });
  }
});
