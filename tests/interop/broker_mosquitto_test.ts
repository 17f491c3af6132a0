/**
 * Spoke's broker beside real mosquitto tools: mosquitto_pub and mosquitto_sub at MQTT 3.1.1 and
 * 5 against it, and a real mosquitto bridging to it (`connection` in mosquitto.conf) in both
 * directions.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { Broker } from "../../src/broker/mod.ts";

async function startBroker(): Promise<Broker & AsyncDisposable> {
  const broker = new Broker({ port: 0, sysIntervalSeconds: 0 });
  await broker.listen();
  return Object.assign(broker, { [Symbol.asyncDispose]: () => broker.close() });
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const version of ["mqttv311", "mqttv5"] as const) {
  Deno.test(`mosquitto_sub receives what mosquitto_pub sends through Spoke's broker (${version}, QoS 2)`, async () => {
    await using broker = await startBroker();
    const payload = `hello over ${version}`;
    const sub = new Deno.Command("mosquitto_sub", {
      args: [
        "-h",
        "127.0.0.1",
        "-p",
        `${broker.port}`,
        "-V",
        version,
        "-q",
        "2",
        "-t",
        "interop/#",
        "-C",
        "1",
        "-W",
        "20",
        "-v",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await until(() => broker.stats().subscriptions === 1, "mosquitto_sub to subscribe");
    const pub = await new Deno.Command("mosquitto_pub", {
      args: [
        "-h",
        "127.0.0.1",
        "-p",
        `${broker.port}`,
        "-V",
        version,
        "-q",
        "2",
        "-t",
        "interop/x",
        "-m",
        payload,
      ],
      stderr: "piped",
    }).output();
    assert.equal(pub.code, 0, new TextDecoder().decode(pub.stderr));
    const { code, stdout, stderr } = await sub.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.equal(new TextDecoder().decode(stdout).trim(), `interop/x ${payload}`);
  });
}

for (const protocol of ["mqttv311", "mqttv50"] as const) {
  Deno.test(`a mosquitto bridge (${protocol}) carries messages both ways to Spoke's broker`, async () => {
    await using broker = await startBroker();
    const port = freePort();
    const dir = await Deno.makeTempDir({ prefix: "spoke-bridge-" });
    const conf = `${dir}/mosquitto.conf`;
    await Deno.writeTextFile(
      conf,
      [
        `listener ${port} 127.0.0.1`,
        "allow_anonymous true",
        "persistence false",
        "connection spoke",
        `address 127.0.0.1:${broker.port}`,
        `bridge_protocol_version ${protocol}`,
        // Spoke's broker speaks MQTT, not mosquitto's private bridge flag in the protocol level.
        "try_private false",
        "cleansession true",
        "topic network/# in 1",
        "topic up/# out 1",
        "",
      ].join("\n"),
    );
    const mosquitto = new Deno.Command("mosquitto", {
      args: ["-c", conf],
      stdout: "null",
      stderr: "null",
    })
      .spawn();
    try {
      // The bridge connects to us and subscribes to network/#.
      await until(() => broker.stats().subscriptions >= 1, "the bridge to subscribe");
      const local = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 });
      try {
        const received: [string, string][] = [];
        local.on("message", (topic, payload) => received.push([topic, payload.toString()]));
        await local.subscribeAsync("network/#", { qos: 1 });
        // Spoke → mosquitto: an in-process publish reaches mosquitto's own subscriber.
        broker.publish({ topic: "network/gbfs/demo/update", payload: "{}", qos: 1 });
        await until(() => received.length === 1, "the bridged message at mosquitto");
        assert.deepEqual(received[0], ["network/gbfs/demo/update", "{}"]);

        // mosquitto → Spoke: a publish at mosquitto reaches a subscriber of ours.
        const ours = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
          reconnectPeriod: 0,
        });
        try {
          const upward: string[] = [];
          ours.on("message", (_topic, payload) => upward.push(payload.toString()));
          await ours.subscribeAsync("up/#", { qos: 1 });
          await local.publishAsync("up/sensor", "from mosquitto", { qos: 1 });
          await until(() => upward.length === 1, "the bridged message at Spoke");
          assert.equal(upward[0], "from mosquitto");
        } finally {
          await ours.endAsync();
        }
      } finally {
        await local.endAsync();
      }
    } finally {
      mosquitto.kill("SIGTERM");
      await mosquitto.status;
      await Deno.remove(dir, { recursive: true });
    }
  });
}
