import assert from "node:assert/strict";
import { ConfigError, defaultConfig, envVarNames, loadConfig } from "../../src/config/mod.ts";
import { withConfigFile } from "./_temp_config.ts";

const mqttTls = { port: 8884, cert: "/etc/spoke/cert.pem", key: "/etc/spoke/key.pem" };
const httpTls = { cert: "/etc/spoke/web.pem", key: "/etc/spoke/web.key" };

Deno.test("[mqtt.tls] and [http.tls] default to off, on port 8883 for MQTT", () => {
  const config = defaultConfig();
  assert.deepEqual(config.mqtt.tls, { port: 8883, cert: "", key: "" });
  assert.deepEqual(config.http.tls, { cert: "", key: "" });
});

Deno.test("loadConfig() reads [mqtt.tls] and [http.tls] as nested TOML tables", async () => {
  const toml = [
    "[mqtt.tls]",
    `port = ${mqttTls.port}`,
    `cert = ${JSON.stringify(mqttTls.cert)}`,
    `key = ${JSON.stringify(mqttTls.key)}`,
    "[http]",
    `tls = { cert = ${JSON.stringify(httpTls.cert)}, key = ${JSON.stringify(httpTls.key)} }`,
  ].join("\n");
  const { config } = await withConfigFile("spoke.toml", toml, (file) => loadConfig({ file }));
  assert.deepEqual(config.mqtt.tls, mqttTls);
  assert.deepEqual(config.http.tls, httpTls);
});

Deno.test("SPOKE_MQTT_TLS_* and SPOKE_HTTP_TLS_* set the nested fields", async () => {
  for (const name of ["SPOKE_MQTT_TLS_PORT", "SPOKE_MQTT_TLS_CERT", "SPOKE_MQTT_TLS_KEY"]) {
    assert.ok(envVarNames().includes(name), name);
  }
  assert.ok(envVarNames().includes("SPOKE_HTTP_TLS_CERT"));
  // The nested table itself is not a scalar setting.
  assert.ok(!envVarNames().includes("SPOKE_MQTT_TLS"));
  const { config } = await loadConfig({
    env: {
      SPOKE_MQTT_TLS_PORT: String(mqttTls.port),
      SPOKE_MQTT_TLS_CERT: mqttTls.cert,
      SPOKE_MQTT_TLS_KEY: mqttTls.key,
      SPOKE_HTTP_TLS_CERT: httpTls.cert,
      SPOKE_HTTP_TLS_KEY: httpTls.key,
    },
  });
  assert.deepEqual(config.mqtt.tls, mqttTls);
  assert.deepEqual(config.http.tls, httpTls);
});

Deno.test("SPOKE_MQTT_TLS_PORT overrides the file and keeps the file's cert and key", async () => {
  const toml = `[mqtt.tls]\ncert = "${mqttTls.cert}"\nkey = "${mqttTls.key}"\n`;
  const { config } = await withConfigFile(
    "spoke.toml",
    toml,
    (file) => loadConfig({ file, env: { SPOKE_MQTT_TLS_PORT: "9999" } }),
  );
  assert.deepEqual(config.mqtt.tls, { ...mqttTls, port: 9999 });
});

Deno.test("a bad SPOKE_MQTT_TLS_PORT names the env var and the nested path", async () => {
  const error = await loadConfig({ env: { SPOKE_MQTT_TLS_PORT: "huge" } }).catch((e) => e);
  assert.ok(error instanceof ConfigError);
  assert.equal(
    error.message,
    'env SPOKE_MQTT_TLS_PORT: mqtt.tls.port must be an integer 0..65535, got "huge"',
  );
  assert.equal(error.path, "mqtt.tls.port");
  const typo = await loadConfig({ env: { SPOKE_MQTT_TLS_PROT: "1" } }).catch((e) => e);
  assert.ok(typo instanceof ConfigError);
  assert.ok(typo.message.includes("did you mean SPOKE_MQTT_TLS_PORT?"), typo.message);
});

Deno.test("an unknown key in [mqtt.tls] is an error naming mqtt.tls.<key>", async () => {
  const error = await withConfigFile(
    "spoke.toml",
    "[mqtt.tls]\nprot = 8883\n",
    (file) => loadConfig({ file }).catch((e) => e),
  );
  assert.ok(error instanceof ConfigError);
  assert.equal(error.path, "mqtt.tls.prot");
  assert.ok(error.message.endsWith("unknown key mqtt.tls.prot (got 8883)"), error.message);
  const flat = await withConfigFile(
    "spoke.toml",
    "[mqtt]\ntls_port = 8883\n",
    (file) => loadConfig({ file }).catch((e) => e),
  );
  assert.ok(flat instanceof ConfigError);
  assert.equal(flat.path, "mqtt.tls_port");
});

Deno.test("tls must be a table, and a cert without a key is refused", async () => {
  const notTable = await withConfigFile(
    "spoke.toml",
    '[mqtt]\ntls = "on"\n',
    (file) => loadConfig({ file }).catch((e) => e),
  );
  assert.ok(notTable instanceof ConfigError);
  assert.equal(notTable.path, "mqtt.tls");
  const half = await withConfigFile(
    "spoke.toml",
    `[http.tls]\ncert = "${httpTls.cert}"\n`,
    (file) => loadConfig({ file }).catch((e) => e),
  );
  assert.ok(half instanceof ConfigError);
  assert.equal(half.path, "http.tls.key");
  assert.ok(half.message.includes("http.tls.key must be set with http.tls.cert"), half.message);
  const halfEnv = await loadConfig({ env: { SPOKE_MQTT_TLS_KEY: mqttTls.key } }).catch((e) => e);
  assert.ok(halfEnv instanceof ConfigError);
  assert.equal(halfEnv.source, "env");
  assert.equal(halfEnv.path, "mqtt.tls.cert");
});
