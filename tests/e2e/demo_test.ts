import assert from "node:assert/strict";
import mqtt from "mqtt";
import { startSpokeCommand } from "../_support/spoke_process.ts";
import { recordedFeedSets } from "../../src/demo/mod.ts";
import { runCli } from "../cli/_run_cli.ts";

Deno.test("spoke demo publishes every recorded system, and the counts change between updates", async () => {
  await using demo = await startSpokeCommand(["demo", "--mqtt-port", "0", "--http-port", "0"]);
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${demo.mqttPort}`, {
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
  const divvyTopic = "network/gbfs/demo-divvy-chicago/update";
  const seen = new Map<string, number>();
  const bikesPerUpdate: string[] = [];
  let divvyNetwork:
    | { location: { city: string; country: string }; vehicles?: unknown[] }
    | undefined;
  const enough = Promise.withResolvers<void>();
  client.on("message", (topic, payload) => {
    seen.set(topic, (seen.get(topic) ?? 0) + 1);
    if (topic === divvyTopic) {
      divvyNetwork = JSON.parse(payload.toString());
      const stations = (divvyNetwork as unknown as { stations: Array<{ free_bikes: number }> })
        .stations;
      bikesPerUpdate.push(stations.map((station) => station.free_bikes).join(","));
    }
    if (seen.size === recordedFeedSets.length && bikesPerUpdate.length >= 2) enough.resolve();
  });
  await client.subscribeAsync("network/#", { qos: 1 });
  const timer = setTimeout(() => enough.reject(new Error(`only ${[...seen.entries()]}`)), 60_000);
  try {
    await enough.promise;
  } finally {
    clearTimeout(timer);
    await client.endAsync();
  }
  assert.deepEqual(
    [...seen.keys()].sort(),
    recordedFeedSets.map((set) => `network/gbfs/${set.tag}/update`).sort(),
  );
  // The drift moves bikes every 10 s, so two updates of one network differ.
  assert.notEqual(bikesPerUpdate[0], bikesPerUpdate[1]);
  // The recorded free-floating bikes are served too, and the network says where it is.
  const divvy = recordedFeedSets.find((set) => set.tag === "demo-divvy-chicago")!;
  const freeBikes = (divvy.files.free_bike_status as { data: { bikes: unknown[] } }).data.bikes;
  assert.ok(freeBikes.length > 0);
  assert.equal(divvyNetwork?.vehicles?.length, freeBikes.length);
  assert.deepEqual(
    { city: divvyNetwork?.location.city, country: divvyNetwork?.location.country },
    divvy.location,
  );
  assert.deepEqual(demo.lines.filter((line) => /vehicles left out/.test(line)), []);
});

Deno.test("spoke sub prints one line per update from a running spoke", async () => {
  await using demo = await startSpokeCommand(["demo", "--mqtt-port", "0", "--http-port", "0"]);
  await demo.waitForLine(/published gbfs::demo-divvy-chicago/);
  await demo.waitForLine(/published gbfs::demo-gbfs-v3/);
  const { code, stdout } = await runCli([
    "sub",
    "--url",
    `mqtt://127.0.0.1:${demo.mqttPort}`,
    "-V",
    "4",
    "-n",
    "2",
  ]);
  assert.equal(code, 0);
  const lines = stdout.trim().split("\n").sort();
  const divvy = recordedFeedSets.find((set) => set.tag === "demo-divvy-chicago")!;
  const stations = (divvy.files.station_status as { data: { stations: unknown[] } }).data.stations;
  assert.equal(lines.length, 2);
  assert.match(
    lines[0]!,
    new RegExp(
      `^network/gbfs/demo-divvy-chicago/update  stations=${stations.length} bikes=\\d+ free_docks=\\d+ age=\\d+s$`,
    ),
  );
  assert.match(lines[1]!, /^network\/gbfs\/demo-gbfs-v3\/update {2}stations=1 /);
});

Deno.test("spoke sub fails clearly when no broker listens, and refuses bad flags", async () => {
  const down = await runCli(["sub", "--url", "mqtt://127.0.0.1:1", "-n", "1"]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /cannot connect to mqtt:\/\/127\.0\.0\.1:1/);
  const bad = await runCli(["sub", "-V", "3"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--protocol must be 4 or 5, got "3"/);
  const count = await runCli(["sub", "-n", "zero"]);
  assert.equal(count.code, 2);
});
