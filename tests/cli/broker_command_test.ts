/**
 * `spoke broker --http-port N`: the broker alone also speaks MQTT over
 * WebSocket at /mqtt (wss:// with [http.tls]), and a WebSocket client and a
 * TCP client reach each other through it.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { selfSignedCert } from "../_support/self_signed_cert.ts";
import { startSpokeCommand } from "../_support/spoke_process.ts";
import { runCli } from "./_run_cli.ts";

/** Starts `spoke broker` on free ports with `config` as its file; resolves once HTTP listens. */
async function startBroker(config = "", extra: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "spoke-broker-" });
  await Deno.writeTextFile(`${dir}/spoke.toml`, config);
  return await startSpokeCommand(
    ["broker", "-p", "0", "--http-port", "0", "-c", `${dir}/spoke.toml`, ...extra],
    { dir, ready: /http listening on/ },
  );
}

/** One message from `subscriber` on `topic` after `publisher` sends it. */
async function roundTrip(
  subscriber: mqtt.MqttClient,
  publisher: mqtt.MqttClient,
  topic: string,
): Promise<string> {
  const received = new Promise<string>((resolve) =>
    subscriber.on("message", (_topic, payload) => resolve(payload.toString()))
  );
  await subscriber.subscribeAsync(topic, { qos: 1 });
  await publisher.publishAsync(topic, `hello ${topic}`, { qos: 1 });
  return await received;
}

for (const protocolVersion of [4, 5] as const) {
  Deno.test(`spoke broker --http-port: MQTT ${protocolVersion} over ws:// meets a TCP client`, async () => {
    await using broker = await startBroker();
    const ws = await mqtt.connectAsync(`ws://127.0.0.1:${broker.httpPort}/mqtt`, {
      protocolVersion,
      reconnectPeriod: 0,
    });
    const tcp = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.mqttPort}`, {
      protocolVersion,
      reconnectPeriod: 0,
    });
    try {
      assert.equal(await roundTrip(ws, tcp, "to/ws"), "hello to/ws");
      assert.equal(await roundTrip(tcp, ws, "to/tcp"), "hello to/tcp");
    } finally {
      await ws.endAsync();
      await tcp.endAsync();
    }
    assert.equal(await broker.stop(), 0);
  });
}

Deno.test("spoke broker --http-port: other paths get a JSON 404, a plain GET of /mqtt 426", async () => {
  await using broker = await startBroker();
  const other = await fetch(`http://127.0.0.1:${broker.httpPort}/v2/networks`);
  assert.equal(other.status, 404);
  assert.match((await other.json()).error, /only \/mqtt/);
  const plain = await fetch(`http://127.0.0.1:${broker.httpPort}/mqtt`);
  assert.equal(plain.status, 426);
  await plain.body?.cancel();
  // The bad requests cost nothing: a client still connects.
  const client = await mqtt.connectAsync(`ws://127.0.0.1:${broker.httpPort}/mqtt`, {
    reconnectPeriod: 0,
  });
  await client.endAsync();
  assert.equal(await broker.stop(), 0);
});

Deno.test("spoke broker --http-port with [http.tls]: wss:// with the configured certificate", async () => {
  await using cert = await selfSignedCert();
  await using broker = await startBroker(
    `[http.tls]\ncert = ${JSON.stringify(cert.certFile)}\nkey = ${JSON.stringify(cert.keyFile)}\n`,
  );
  assert.match(broker.lines.join("\n"), /http listening on .*MQTT over wss at \/mqtt/);
  const wss = await mqtt.connectAsync(`wss://127.0.0.1:${broker.httpPort}/mqtt`, {
    ca: cert.cert,
    protocolVersion: 5,
    reconnectPeriod: 0,
  });
  const tcp = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.mqttPort}`, {
    reconnectPeriod: 0,
  });
  try {
    assert.equal(await roundTrip(wss, tcp, "secure"), "hello secure");
  } finally {
    await wss.endAsync();
    await tcp.endAsync();
  }
  assert.equal(await broker.stop(), 0);
});

Deno.test("spoke broker: a bad --http-port or an unreadable [http.tls] file exits 2 with one line", async () => {
  const badPort = await runCli(["broker", "-p", "0", "--http-port", "eighty"]);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /http\.port/);
  assert.match(badPort.stderr, /"eighty"/);

  const dir = await Deno.makeTempDir({ prefix: "spoke-broker-" });
  try {
    await Deno.writeTextFile(
      `${dir}/spoke.toml`,
      `[http.tls]\ncert = "${dir}/missing.pem"\nkey = "${dir}/missing-key.pem"\n`,
    );
    const badTls = await runCli([
      "broker",
      "-p",
      "0",
      "--http-port",
      "0",
      "-c",
      `${dir}/spoke.toml`,
    ]);
    assert.equal(badTls.code, 2);
    assert.match(badTls.stderr, /http\.tls\.cert cannot be read/);
    assert.doesNotMatch(badTls.stderr, /mqtt listening/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
