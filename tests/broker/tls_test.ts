import assert from "node:assert/strict";
import mqtt from "mqtt";
import { Broker } from "../../src/broker/mod.ts";
import { connectClient, Inbox } from "./_helpers.ts";
import { selfSignedCert } from "../_support/self_signed_cert.ts";

Deno.test("Broker serves MQTT over TLS beside plain TCP", async () => {
  await using pem = await selfSignedCert();
  const { cert, key } = pem;
  const broker = new Broker({ port: 0, tls: { port: 0, cert, key }, sysIntervalSeconds: 0 });
  await broker.listen();
  try {
    assert.ok((broker.tlsPort ?? 0) > 0);
    const secure = await mqtt.connectAsync(`mqtts://127.0.0.1:${broker.tlsPort}`, {
      ca: cert,
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    try {
      await using plain = await connectClient(broker, 4);
      const inbox = new Inbox(secure);
      await secure.subscribeAsync("tls/#", { qos: 1 });
      await plain.publishAsync("tls/a", "over tls", { qos: 1 });
      const [message] = await inbox.waitFor(1);
      assert.equal(message?.payload, "over tls");
    } finally {
      await secure.endAsync();
    }
  } finally {
    await broker.close();
  }
});

Deno.test("Broker.listen() rejects a TLS key that is not PEM, naming the port", async () => {
  const broker = new Broker({ port: 0, tls: { port: 0, cert: "nope", key: "nope" } });
  try {
    await assert.rejects(broker.listen(), /MQTT TLS listener on port 0/);
  } finally {
    await broker.close();
  }
});
