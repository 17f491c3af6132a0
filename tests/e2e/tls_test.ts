/**
 * `[mqtt.tls]` and `[http.tls]` end to end: a Spoke started from a config
 * naming a self-signed certificate serves mqtts:// on the TLS port, and HTTPS
 * (with wss:// at `/mqtt`) on the HTTP port, to clients that trust that cert.
 */
import assert from "node:assert/strict";
import mqtt from "mqtt";
import { type Config, ConfigError, defaultConfig } from "../../src/config/mod.ts";
import { PersistenceError } from "../../src/broker/mod.ts";
import { Spoke } from "../../src/spoke.ts";
import { type SelfSignedCert, selfSignedCert } from "../_support/self_signed_cert.ts";

const TOPIC = "network/gbfs/tls-city/update";
const PAYLOAD = JSON.stringify({ tag: "tls-city" });

function tlsConfig(cert: SelfSignedCert): Config {
  const config = defaultConfig();
  config.mqtt.port = 0;
  config.mqtt.sys_interval = 0;
  config.mqtt.tls = { port: 0, cert: cert.certFile, key: cert.keyFile };
  config.http.port = 0;
  config.http.tls = { cert: cert.certFile, key: cert.keyFile };
  return config;
}

/** Connects with `url`, subscribes to `network/#` and returns the first message. */
async function firstNetworkMessage(url: string, ca: string): Promise<[string, string]> {
  const client = await mqtt.connectAsync(url, { ca, protocolVersion: 5, reconnectPeriod: 0 });
  try {
    const received = new Promise<[string, string]>((resolve) =>
      client.on("message", (topic, payload) => resolve([topic, payload.toString()]))
    );
    await client.subscribeAsync("network/#", { qos: 1 });
    return await received;
  } finally {
    await client.endAsync();
  }
}

Deno.test("Spoke serves mqtts://, wss:///mqtt and https:// from [mqtt.tls] and [http.tls]", async () => {
  await using cert = await selfSignedCert();
  const spoke = await Spoke.start(tlsConfig(cert), { networks: [] });
  try {
    spoke.broker!.publish({ topic: TOPIC, payload: PAYLOAD, retain: true, qos: 1 });
    const tlsPort = spoke.broker!.tlsPort!;
    const httpPort = spoke.httpAddress!.port;
    assert.ok(tlsPort > 0 && tlsPort !== spoke.broker!.port);

    assert.deepEqual(
      await firstNetworkMessage(`mqtts://127.0.0.1:${tlsPort}`, cert.cert),
      [TOPIC, PAYLOAD],
    );
    assert.deepEqual(
      await firstNetworkMessage(`wss://127.0.0.1:${httpPort}/mqtt`, cert.cert),
      [TOPIC, PAYLOAD],
    );

    using client = Deno.createHttpClient({ caCerts: [cert.cert] });
    const health = await fetch(`https://127.0.0.1:${httpPort}/health`, { client });
    assert.equal(health.status, 200);
    await health.body?.cancel();
  } finally {
    await spoke.stop();
  }
});

Deno.test("TLS listeners refuse a client that does not trust the certificate", async () => {
  await using cert = await selfSignedCert();
  const spoke = await Spoke.start(tlsConfig(cert), { networks: [] });
  try {
    await assert.rejects(
      mqtt.connectAsync(`mqtts://127.0.0.1:${spoke.broker!.tlsPort}`, {
        reconnectPeriod: 0,
        connectTimeout: 5_000,
      }),
    );
    // Nor does HTTPS without the CA, nor plain HTTP on the HTTPS port.
    await assert.rejects(fetch(`https://127.0.0.1:${spoke.httpAddress!.port}/health`));
    await assert.rejects(fetch(`http://127.0.0.1:${spoke.httpAddress!.port}/health`));
  } finally {
    await spoke.stop();
  }
});

Deno.test("an unreadable [http.tls] or [mqtt.tls] file fails start, naming the field", async () => {
  await using cert = await selfSignedCert();
  const missing = `${cert.certFile}.missing`;

  const http = tlsConfig(cert);
  http.http.tls.cert = missing;
  const httpError = await Spoke.start(http, { networks: [] }).catch((error) => error);
  assert.ok(httpError instanceof ConfigError, String(httpError));
  assert.equal(httpError.path, "http.tls.cert");
  assert.ok(httpError.message.includes(missing), httpError.message);

  const broker = tlsConfig(cert);
  broker.mqtt.tls.key = missing;
  const brokerError = await Spoke.start(broker, { networks: [] }).catch((error) => error);
  assert.ok(brokerError instanceof PersistenceError, String(brokerError));
  assert.ok(brokerError.message.includes("mqtt.tls.key"), brokerError.message);
  assert.ok(brokerError.message.includes(missing), brokerError.message);
});
