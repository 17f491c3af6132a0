/**
 * `/mqtt` on Spoke's HTTP port: MQTT.js over a real WebSocket gets the
 * broker's retained network states, and the server still stops cleanly.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { defaultConfig } from "../../src/config/mod.ts";
import { Spoke } from "../../src/spoke.ts";

Deno.test("MQTT over the /mqtt WebSocket reaches the embedded broker", async () => {
  const config = defaultConfig();
  config.mqtt.port = 0;
  config.http.port = 0;
  const spoke = await Spoke.start(config, { networks: [] });
  try {
    spoke.broker!.publish({
      topic: "network/gbfs/ws-city/update",
      payload: '{"tag":"ws-city"}',
      retain: true,
      qos: 1,
    });
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${spoke.httpAddress!.port}/mqtt`, {
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    try {
      const received = new Promise<[string, string]>((resolve) =>
        client.on("message", (topic, payload) => resolve([topic, payload.toString()]))
      );
      await client.subscribeAsync("network/#", { qos: 1 });
      assert.deepEqual(await received, ["network/gbfs/ws-city/update", '{"tag":"ws-city"}']);
    } finally {
      await client.endAsync();
    }
    const plain = await fetch(`http://127.0.0.1:${spoke.httpAddress!.port}/mqtt`);
    assert.equal(plain.status, 426);
    await plain.body?.cancel();
  } finally {
    await spoke.stop();
  }
});
