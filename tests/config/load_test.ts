import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { type Config, defaultConfig, loadConfig, planFor } from "../../src/config/mod.ts";
import { withConfigFile } from "./_temp_config.ts";

// One fixture, written once as TOML by hand and once as JSON from the object.
const fixture = {
  log: { level: "debug" },
  mqtt: { port: 1884, host: "0.0.0.0" },
  http: { enabled: false },
  catalog: { include: ["gbfs::.*"], exclude: ["gbfs::test-.*"] },
  queues: { slow: 1 },
  rules: [
    { match: ".*", interval: 30, jitter: 5 },
    { match: "nextbike::.*", cron: "*/2 * * * *", timezone: "Europe/Madrid", queue: "slow" },
  ],
  networks: [{
    class: "gbfs",
    tag: "my-city",
    name: "My City Bikes",
    url: "https://example.org/gbfs/gbfs.json",
    location: { city: "Madrid", country: "ES", latitude: 40.41, longitude: -3.7 },
    company: ["Someone"],
  }],
};

const fixtureToml = `
[log]
level = "debug"
[mqtt]
port = 1884
host = "0.0.0.0"
[http]
enabled = false
[catalog]
include = ["gbfs::.*"]
exclude = ["gbfs::test-.*"]
[queues]
slow = 1
[[rules]]
match = ".*"
interval = 30
jitter = 5
[[rules]]
match = "nextbike::.*"
cron = "*/2 * * * *"
timezone = "Europe/Madrid"
queue = "slow"
[[networks]]
class = "gbfs"
tag = "my-city"
name = "My City Bikes"
url = "https://example.org/gbfs/gbfs.json"
location = { city = "Madrid", country = "ES", latitude = 40.41, longitude = -3.70 }
company = ["Someone"]
`;

function assertMatchesFixture(config: Config): void {
  const defaults = defaultConfig();
  assert.equal(config.log.level, fixture.log.level);
  assert.deepEqual(config.mqtt, { ...defaults.mqtt, ...fixture.mqtt });
  assert.deepEqual(config.http, { ...defaults.http, ...fixture.http });
  assert.deepEqual(config.catalog, { ...defaults.catalog, ...fixture.catalog });
  assert.deepEqual(config.scrape, defaults.scrape);
  assert.deepEqual(config.queues, { ...defaults.queues, ...fixture.queues });
  assert.deepEqual(config.rules, fixture.rules);
  assert.deepEqual(config.networks, fixture.networks);
}

Deno.test("loadConfig() reads a TOML file", async () => {
  await withConfigFile("spoke.toml", fixtureToml, async (path) => {
    const { config, source } = await loadConfig({ file: path });
    assert.equal(source, path);
    assertMatchesFixture(config);
  });
});

Deno.test("loadConfig() reads a JSON file", async () => {
  await withConfigFile("spoke.json", JSON.stringify(fixture, null, 2), async (path) => {
    const { config, source } = await loadConfig({ file: path });
    assert.equal(source, path);
    assertMatchesFixture(config);
  });
});

Deno.test("loadConfig() gives TOML and JSON of the same shape the same config", async () => {
  const fromToml = await withConfigFile("a.toml", fixtureToml, (file) => loadConfig({ file }));
  const fromJson = await withConfigFile(
    "a.json",
    JSON.stringify(fixture),
    (file) => loadConfig({ file }),
  );
  assert.deepEqual(fromToml.config, fromJson.config);
});

Deno.test("loadConfig() without a file gives every default and source 'defaults'", async () => {
  const { config, source } = await loadConfig({ env: { PATH: "/usr/bin", HOME: "/root" } });
  assert.equal(source, "defaults");
  assert.deepEqual(config, {
    log: { level: "info" },
    mqtt: {
      enabled: true,
      port: 1883,
      host: "127.0.0.1",
      max_packet_size: 1048576,
      max_inflight: 1000,
      max_queued_messages: 1000,
      max_queued_bytes: 8388608,
      queue_policy: "drop-oldest",
      max_keepalive: 0,
      topic_alias_maximum: 10,
      sys_interval: 10,
      max_connections: 10000,
      max_topic_length: 1024,
      max_topic_levels: 32,
      max_subscriptions: 1000,
      protected_topics: ["network/#", "$SYS/#"],
      allow_anonymous: true,
      password_file: "",
      acl_file: "",
      subscribe_denied_reason: "not-authorized",
      tls: { port: 8883, cert: "", key: "" },
      persistence: "",
    },
    http: {
      enabled: true,
      port: 8080,
      host: "127.0.0.1",
      admin_token: "",
      tls: { cert: "", key: "" },
    },
    catalog: { builtin: true, include: [".*"], exclude: [], shard: "" },
    scrape: {
      max_bytes: 16777216,
      user_agent: "",
      max_per_host: 4,
      cache_bytes: 67108864,
      max_ttl: 300,
      discovery_ttl: 3600,
    },
    store: { sqlite: "", retention_days: 30 },
    publish: { broker: "", client_id: "", max_pending: 10000, ca: "" },
    engine: {
      max_running: 0,
      queue_max_size: 10000,
      overflow: "drop-lowest",
      shutdown_timeout: 10,
    },
    queues: { default: 4 },
    rules: [],
    networks: [],
  });
});

Deno.test("loadConfig() of an empty file equals the defaults", async () => {
  const empty = await withConfigFile("empty.toml", "", (file) => loadConfig({ file }));
  assert.deepEqual(empty.config, defaultConfig());
  const emptyJson = await withConfigFile("empty.json", "{}", (file) => loadConfig({ file }));
  assert.deepEqual(emptyJson.config, defaultConfig());
});

Deno.test("defaultConfig() returns a fresh object each time", () => {
  const first = defaultConfig();
  first.rules.push({ match: ".*" });
  first.catalog.include.push("x");
  first.queues.extra = 1;
  assert.deepEqual(defaultConfig().rules, []);
  assert.deepEqual(defaultConfig().catalog.include, [".*"]);
  assert.deepEqual(defaultConfig().queues, { default: 4 });
});

Deno.test("loadConfig() layers file < env < flags", async () => {
  const file = { mqtt: { port: 1000 }, http: { port: 2000 }, log: { level: "warning" } };
  const env = { SPOKE_MQTT_PORT: "1001", SPOKE_HTTP_PORT: "2001" };
  const flags = { mqttPort: "1002" };
  await withConfigFile("layers.json", JSON.stringify(file), async (path) => {
    const fileOnly = await loadConfig({ file: path });
    assert.equal(fileOnly.config.mqtt.port, file.mqtt.port);
    const withEnv = await loadConfig({ file: path, env });
    assert.equal(withEnv.config.mqtt.port, Number(env.SPOKE_MQTT_PORT));
    assert.equal(withEnv.config.http.port, Number(env.SPOKE_HTTP_PORT));
    const withFlags = await loadConfig({ file: path, env, flags });
    assert.equal(withFlags.config.mqtt.port, Number(flags.mqttPort));
    assert.equal(withFlags.config.http.port, Number(env.SPOKE_HTTP_PORT));
    assert.equal(withFlags.config.log.level, file.log.level);
  });
});

Deno.test("loadConfig() coerces SPOKE_<SECTION>_<KEY> to the field's type", async () => {
  const { config } = await loadConfig({
    env: {
      SPOKE_LOG_LEVEL: "error",
      SPOKE_HTTP_ENABLED: "false",
      SPOKE_MQTT_ENABLED: "TRUE",
      SPOKE_CATALOG_BUILTIN: "false",
      SPOKE_SCRAPE_MAX_BYTES: "1024",
      SPOKE_SCRAPE_USER_AGENT: "spoke-test/1",
      SPOKE_MQTT_MAX_PACKET_SIZE: "2048",
    },
  });
  assert.equal(config.log.level, "error");
  assert.equal(config.http.enabled, false);
  assert.equal(config.mqtt.enabled, true);
  assert.equal(config.catalog.builtin, false);
  assert.equal(config.scrape.max_bytes, 1024);
  assert.equal(config.scrape.user_agent, "spoke-test/1");
  assert.equal(config.mqtt.max_packet_size, 2048);
});

Deno.test("loadConfig() applies SPOKE_HOST to every listener, below the specific settings", async () => {
  const both = await loadConfig({ env: { SPOKE_HOST: "0.0.0.0" } });
  assert.equal(both.config.mqtt.host, "0.0.0.0");
  assert.equal(both.config.http.host, "0.0.0.0");
  const specific = await loadConfig({ env: { SPOKE_HTTP_HOST: "::1", SPOKE_HOST: "0.0.0.0" } });
  assert.equal(specific.config.mqtt.host, "0.0.0.0");
  assert.equal(specific.config.http.host, "::1");
  const flagged = await loadConfig({
    env: { SPOKE_HTTP_HOST: "::1", SPOKE_HOST: "0.0.0.0" },
    flags: { host: "192.168.1.2" },
  });
  assert.equal(flagged.config.mqtt.host, "192.168.1.2");
  assert.equal(flagged.config.http.host, "192.168.1.2");
});

Deno.test("loadConfig() applies every flag", async () => {
  const flags = { mqttPort: 0, httpPort: "0", host: "0.0.0.0", logLevel: "trace" };
  const { config } = await loadConfig({ flags });
  assert.equal(config.mqtt.port, flags.mqttPort);
  assert.equal(config.http.port, Number(flags.httpPort));
  assert.equal(config.mqtt.host, flags.host);
  assert.equal(config.http.host, flags.host);
  assert.equal(config.log.level, flags.logLevel);
});

Deno.test("loadConfig() takes the file from SPOKE_CONFIG unless a file is given", async () => {
  await withConfigFile("from_env.toml", "[mqtt]\nport = 1999\n", async (envFile) => {
    const viaEnv = await loadConfig({ env: { SPOKE_CONFIG: envFile } });
    assert.equal(viaEnv.source, envFile);
    assert.equal(viaEnv.config.mqtt.port, 1999);
    await withConfigFile("given.toml", "[mqtt]\nport = 2999\n", async (given) => {
      const viaOption = await loadConfig({ file: given, env: { SPOKE_CONFIG: envFile } });
      assert.equal(viaOption.source, given);
      assert.equal(viaOption.config.mqtt.port, 2999);
    });
  });
  const unset = await loadConfig({ env: { SPOKE_CONFIG: "" } });
  assert.equal(unset.source, "defaults");
});

const shipped = (name: string) => fileURLToPath(new URL(`../../config/${name}`, import.meta.url));

Deno.test("the shipped config/spoke.toml loads and says what it promises", async () => {
  const file = shipped("spoke.toml");
  const { config, source } = await loadConfig({ file });
  assert.equal(source, file);
  assert.equal(config.mqtt.port, 1883);
  assert.equal(config.http.port, 8080);
  assert.equal(config.mqtt.host, "127.0.0.1");
  assert.equal(config.http.host, "127.0.0.1");
  assert.equal(config.catalog.builtin, true);
  assert.deepEqual(config.queues, { default: 4 });
  const plan = planFor(config, "gbfs", "citi-bike-nyc");
  assert.equal(plan.interval, 60);
  assert.equal(plan.jitter, 10);
  assert.deepEqual(plan.concurrency, { system: 4, network: 1 });
  assert.deepEqual(plan.rules, [0, 1]);
});

Deno.test("the shipped config/example.json loads with its network", async () => {
  const file = shipped("example.json");
  const document = JSON.parse(await Deno.readTextFile(file));
  const { config } = await loadConfig({ file });
  assert.deepEqual(config.networks, document.networks);
  assert.deepEqual(config.rules, document.rules);
  assert.deepEqual(config.queues, document.queues);
});
