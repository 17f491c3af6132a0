import assert from "node:assert/strict";
import mqtt from "mqtt";
import { Broker } from "../../src/broker/mod.ts";
import { connectClient, Inbox } from "./_helpers.ts";

/** A self-signed certificate for 127.0.0.1, made with openssl for this test run. */
async function selfSignedCertificate(): Promise<{ cert: string; key: string }> {
  const dir = await Deno.makeTempDir();
  try {
    const { code, stderr } = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    return {
      cert: await Deno.readTextFile(`${dir}/cert.pem`),
      key: await Deno.readTextFile(`${dir}/key.pem`),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Broker serves MQTT over TLS beside plain TCP", async () => {
  const { cert, key } = await selfSignedCertificate();
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
