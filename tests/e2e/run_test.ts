import assert from "node:assert/strict";
import mqtt from "mqtt";
import { compareStations, expectedStations } from "../_support/expected_networks.ts";
import { BAD_TAG, GOOD_SETS, startPipeline, topicOf } from "./_pipeline.ts";

interface Received {
  topic: string;
  payload: { stations: Array<Record<string, unknown>> };
  retain: boolean;
  properties?: { contentType?: string; messageExpiryInterval?: number };
}

/** Subscribes to network/# and collects messages until every good network has arrived. */
async function collect(port: number, protocolVersion: 4 | 5): Promise<Map<string, Received>> {
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    protocolVersion,
    reconnectPeriod: 0,
  });
  const received = new Map<string, Received>();
  const wanted = Object.keys(GOOD_SETS).map(topicOf);
  const all = Promise.withResolvers<void>();
  client.on("message", (topic, payload, packet) => {
    received.set(topic, {
      topic,
      payload: JSON.parse(payload.toString()),
      retain: packet.retain,
      properties: packet.properties,
    });
    if (wanted.every((t) => received.has(t))) all.resolve();
  });
  await client.subscribeAsync("network/#", { qos: 1 });
  const timer = setTimeout(() => all.reject(new Error(`got only ${[...received.keys()]}`)), 30_000);
  try {
    await all.promise;
  } finally {
    clearTimeout(timer);
    await client.endAsync();
  }
  return received;
}

Deno.test("spoke run publishes every good network with the feed's numbers to MQTT.js 3.1.1 and 5", async () => {
  await using pipeline = await startPipeline();
  const port = pipeline.spoke.mqttPort;
  const [v311, v5] = await Promise.all([collect(port, 4), collect(port, 5)]);

  for (const [tag, set] of Object.entries(GOOD_SETS)) {
    const expected = await expectedStations(set);
    assert.ok(expected.size > 0);
    for (const received of [v311, v5]) {
      const message = received.get(topicOf(tag))!;
      assert.deepEqual(compareStations(message.payload, expected), [], `${tag}`);
    }
    const properties = v5.get(topicOf(tag))!.properties!;
    assert.equal(properties.contentType, "application/json");
    assert.ok(properties.messageExpiryInterval! > 0);
    assert.equal(v311.get(topicOf(tag))!.properties, undefined);
  }
  // The broken network failed (waited for in startPipeline) and was never published.
  for (const received of [v311, v5]) assert.equal(received.has(topicOf(BAD_TAG)), false);
  const failure = await pipeline.spoke.waitForLine(new RegExp(`scrape gbfs::${BAD_TAG} failed`));
  assert.match(failure, /broken\/station_status\.json/);
});

Deno.test("a late subscriber gets every network at once, retained; the bad one never", async () => {
  await using pipeline = await startPipeline();
  await pipeline.spoke.waitForLine(/published gbfs::e2e-divvy/);
  await pipeline.spoke.waitForLine(/published gbfs::e2e-v30/);
  const late = await collect(pipeline.spoke.mqttPort, 5);
  assert.deepEqual([...late.keys()].sort(), Object.keys(GOOD_SETS).map(topicOf).sort());
  for (const message of late.values()) assert.equal(message.retain, true);

  const health = await fetch(`http://127.0.0.1:${pipeline.spoke.httpPort}/health`);
  assert.equal(health.status, 503);
  const { problems } = await health.json();
  assert.ok(problems.some((problem: string) => problem.startsWith(`gbfs::${BAD_TAG}:`)));
  const network = await fetch(`http://127.0.0.1:${pipeline.spoke.httpPort}/v2/networks/e2e-divvy`);
  assert.equal((await network.json()).network.tag, "e2e-divvy");
  assert.equal(await pipeline.spoke.stop(), 0);
});
