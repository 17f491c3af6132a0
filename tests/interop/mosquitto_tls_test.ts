/**
 * The real mosquitto_sub over TLS (`--cafile`) against the embedded broker
 * configured only through `SPOKE_MQTT_TLS_*` env vars, at 3.1.1 and 5.
 */
import assert from "node:assert/strict";
import { Broker, brokerOptionsFromSettings } from "../../src/broker/mod.ts";
import { loadConfig } from "../../src/config/mod.ts";
import { selfSignedCert } from "../_support/self_signed_cert.ts";

const TOPIC = "network/gbfs/tls-city/update";
const PAYLOAD = JSON.stringify({ tag: "tls-city", stations: 3 });

for (const version of ["mqttv311", "mqttv5"] as const) {
  Deno.test(`mosquitto_sub -V ${version} --cafile reads a retained network over [mqtt.tls]`, async () => {
    await using cert = await selfSignedCert();
    const { config } = await loadConfig({
      env: {
        SPOKE_MQTT_PORT: "0",
        SPOKE_MQTT_SYS_INTERVAL: "0",
        SPOKE_MQTT_TLS_PORT: "0",
        SPOKE_MQTT_TLS_CERT: cert.certFile,
        SPOKE_MQTT_TLS_KEY: cert.keyFile,
      },
    });
    const broker = new Broker(brokerOptionsFromSettings(config.mqtt, "test"));
    await broker.listen();
    try {
      broker.publish({ topic: TOPIC, payload: PAYLOAD, retain: true, qos: 1 });
      const { code, stdout, stderr } = await new Deno.Command("mosquitto_sub", {
        args: [
          ...["-h", "127.0.0.1", "-p", String(broker.tlsPort), "--cafile", cert.certFile],
          ...["-V", version, "-q", "1", "-t", "network/#", "-C", "1", "-W", "20"],
          ...["-F", "%r\t%t\t%p"],
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      assert.equal(new TextDecoder().decode(stdout).trim(), `1\t${TOPIC}\t${PAYLOAD}`);
    } finally {
      await broker.close();
    }
  });
}

Deno.test("mosquitto_sub without the CA is refused by the TLS listener", async () => {
  await using cert = await selfSignedCert();
  const broker = new Broker({
    port: 0,
    sysIntervalSeconds: 0,
    tls: { port: 0, cert: cert.cert, key: cert.key },
  });
  await broker.listen();
  try {
    const other = await selfSignedCert();
    await using _other = other;
    const { code } = await new Deno.Command("mosquitto_sub", {
      args: [
        ...["-h", "127.0.0.1", "-p", String(broker.tlsPort), "--cafile", other.certFile],
        ...["-t", "#", "-C", "1", "-W", "5"],
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    assert.notEqual(code, 0);
  } finally {
    await broker.close();
  }
});
