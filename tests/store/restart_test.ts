/**
 * After `kill -9`, a restarted Spoke serves and publishes (retained) every
 * network's last state before its first new scrape: the feed hangs on purpose
 * in the second run, so nothing it shows can come from a scrape.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startFeedServer } from "../scrape/_feed_server.ts";
import { expectedStations } from "../_support/expected_networks.ts";
import { spawnSpoke } from "../_support/spoke_process.ts";

const SET = "gbfs-v2.3-divvy-chicago";
const TAG = "restart-divvy";

Deno.test("after kill -9 the last state is served and republished before any scrape", async () => {
  const dir = await Deno.makeTempDir({ prefix: "spoke-restart-" });
  await using feeds = startFeedServer();
  try {
    const configFile = `${dir}/spoke.toml`;
    await Deno.writeTextFile(
      configFile,
      `
[mqtt]
port = 0
[http]
port = 0
[store]
sqlite = "${dir}/spoke.db"
[catalog]
builtin = false
[[rules]]
match = ".*"
interval = 3600
jitter = 0
[[networks]]
class = "gbfs"
tag = "${TAG}"
name = "Restart"
url = "${feeds.url(SET)}"
`,
    );

    const first = await spawnSpoke(configFile);
    await first.waitForLine(new RegExp(`published gbfs::${TAG}`));
    const status = await first.kill("SIGKILL");
    assert.equal(status.signal, "SIGKILL");

    // From now on the feed never answers: the second run cannot scrape.
    feeds.overrides[`${SET}/gbfs.json`] = { hang: true };
    await using second = await spawnSpoke(configFile);
    await second.waitForLine(/restored 1 networks/);

    const response = await fetch(`http://127.0.0.1:${second.httpPort}/v2/networks/${TAG}`);
    assert.equal(response.status, 200);
    const served = (await response.json()).network;
    const expected = await expectedStations(SET);
    assert.equal(served.stations.length, expected.size);
    for (const station of served.stations) {
      const want = expected.get(station.id)!;
      assert.equal(station.free_bikes, want.free_bikes, station.id);
      assert.equal(station.empty_slots, want.empty_slots, station.id);
    }

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${second.mqttPort}`, {
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      const retained = new Promise<{ payload: string; retain: boolean }>((resolve) =>
        client.on(
          "message",
          (_topic, payload, packet) =>
            resolve({ payload: payload.toString(), retain: packet.retain }),
        )
      );
      await client.subscribeAsync(`network/gbfs/${TAG}/update`, { qos: 1 });
      const message = await retained;
      assert.equal(message.retain, true);
      assert.deepEqual(JSON.parse(message.payload), served);
    } finally {
      await client.endAsync();
    }
    const stats = await (await fetch(`http://127.0.0.1:${second.httpPort}/stats`)).json();
    assert.equal(stats.scrapes, 0, "a scrape happened, so the test proves nothing");
    assert.ok(!second.lines.some((line) => line.includes(`published gbfs::${TAG}`)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
