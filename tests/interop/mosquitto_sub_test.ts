import assert from "node:assert/strict";
import { compareStations, expectedStations } from "../_support/expected_networks.ts";
import { GOOD_SETS, startPipeline, topicOf } from "../e2e/_pipeline.ts";

/**
 * Reads every retained network with the real mosquitto_sub. `-F` prints, per
 * message: retained flag, content type (v5 only), topic, then the payload.
 */
async function mosquittoSub(port: number, version: "mqttv311" | "mqttv5") {
  const count = Object.keys(GOOD_SETS).length;
  const { code, stdout, stderr } = await new Deno.Command("mosquitto_sub", {
    args: [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-V",
      version,
      "-q",
      "1",
      "-t",
      "network/#",
      "-C",
      String(count),
      "-W",
      "30",
      "-F",
      "%r\t%C\t%t\t%p",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return new TextDecoder().decode(stdout).trim().split("\n").map((line) => {
    const [retained, contentType, topic, ...payload] = line.split("\t");
    return { retained, contentType, topic: topic!, payload: JSON.parse(payload.join("\t")) };
  });
}

for (const version of ["mqttv311", "mqttv5"] as const) {
  Deno.test(`mosquitto_sub -V ${version} gets every good network with the feed's numbers`, async () => {
    await using pipeline = await startPipeline();
    await pipeline.spoke.waitForLine(/published gbfs::e2e-divvy/);
    await pipeline.spoke.waitForLine(/published gbfs::e2e-v30/);
    const messages = await mosquittoSub(pipeline.spoke.mqttPort, version);
    assert.deepEqual(
      messages.map((message) => message.topic).sort(),
      Object.keys(GOOD_SETS).map(topicOf).sort(),
    );
    for (const [tag, set] of Object.entries(GOOD_SETS)) {
      const message = messages.find((m) => m.topic === topicOf(tag))!;
      assert.equal(message.retained, "1");
      assert.equal(message.contentType, version === "mqttv5" ? "application/json" : "");
      assert.deepEqual(compareStations(message.payload, await expectedStations(set)), []);
    }
  });
}

Deno.test("mosquitto_pub cannot spoof a network topic; the retained state stays Spoke's", async () => {
  await using pipeline = await startPipeline();
  await pipeline.spoke.waitForLine(/published gbfs::e2e-divvy/);
  const topic = topicOf("e2e-divvy");
  for (const version of ["mqttv311", "mqttv5"]) {
    await new Deno.Command("mosquitto_pub", {
      args: [
        "-h",
        "127.0.0.1",
        "-p",
        String(pipeline.spoke.mqttPort),
        "-V",
        version,
        "-q",
        "1",
        "-r",
        "-t",
        topic,
        "-m",
        '{"stations":[]}',
      ],
      stdout: "null",
      stderr: "null",
    }).output();
  }
  const messages = await mosquittoSub(pipeline.spoke.mqttPort, "mqttv5");
  const divvy = messages.find((m) => m.topic === topic)!;
  assert.equal(
    divvy.payload.stations.length,
    (await expectedStations(GOOD_SETS["e2e-divvy"])).size,
  );
});
