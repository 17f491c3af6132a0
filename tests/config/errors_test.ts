import assert from "node:assert/strict";
import { ConfigError, loadConfig, parseConfigText } from "../../src/config/mod.ts";
import { withConfigFile } from "./_temp_config.ts";

/** How a value shows in a message: as JSON, like the user wrote it. */
const shown = (value: unknown) => JSON.stringify(value);

/** Loads `text` as file `name`; returns the ConfigError it must raise. */
async function loadError(
  name: string,
  text: string,
): Promise<{ error: ConfigError; file: string }> {
  return await withConfigFile(name, text, async (file) => {
    const error = await loadConfig({ file }).then(
      () => assert.fail(`expected a ConfigError for ${name}`),
      (error: unknown) => error,
    );
    assert.ok(error instanceof ConfigError, `not a ConfigError: ${error}`);
    assert.equal(error.exitCode, 2);
    assert.equal(error.source, `config ${file}`);
    assert.ok(error.message.startsWith(`config ${file}: `), error.message);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    return { error, file };
  });
}

/** Asserts the error names the field path and the value. */
function assertNames(error: ConfigError, path: string, value: unknown): void {
  assert.equal(error.path, path);
  // smol-toml tables have a null prototype; compare as the user wrote them.
  assert.equal(shown(error.value), shown(value));
  assert.ok(error.message.includes(path), `path ${path} missing in: ${error.message}`);
  assert.ok(error.message.includes(shown(value)), `value missing in: ${error.message}`);
}

Deno.test("loadConfig() rejects an unknown top-level key", async () => {
  const { error, file } = await loadError("spoke.toml", "[mqt]\nport = 1883\n");
  assert.equal(error.message, `config ${file}: unknown key mqt (got ${shown({ port: 1883 })})`);
  assertNames(error, "mqt", { port: 1883 });
});

Deno.test("loadConfig() rejects an unknown nested key", async () => {
  const { error, file } = await loadError("spoke.toml", "[mqtt]\nprot = 1883\n");
  assert.equal(error.message, `config ${file}: unknown key mqtt.prot (got 1883)`);
  assertNames(error, "mqtt.prot", 1883);
});

Deno.test("loadConfig() reports a misspelt rule key rather than the field it hides", async () => {
  const { error } = await loadError("spoke.toml", '[[rules]]\nmach = ".*"\n');
  assert.ok(error.message.includes("unknown key rules[0].mach"), error.message);
  assertNames(error, "rules[0].mach", ".*");
});

Deno.test("loadConfig() rejects a rule without match", async () => {
  const { error, file } = await loadError("spoke.toml", "[[rules]]\ninterval = 5\n");
  assert.equal(error.message, `config ${file}: rules[0].match is required`);
  assert.equal(error.path, "rules[0].match");
});

Deno.test("loadConfig() rejects a value of the wrong type", async () => {
  const text = [
    '[[rules]]\nmatch = ".*"',
    '[[rules]]\nmatch = "gbfs::.*"',
    '[[rules]]\nmatch = "gbfs::x"\ninterval = "often"',
  ].join("\n");
  const { error, file } = await loadError("spoke.toml", text);
  assert.equal(
    error.message,
    `config ${file}: rules[2].interval must be a positive number, got "often"`,
  );
  assertNames(error, "rules[2].interval", "often");
});

Deno.test("loadConfig() rejects a document or a section that is not a table", async () => {
  const { error, file } = await loadError("spoke.json", "[1, 2]");
  assert.equal(error.message, `config ${file}: the document must be a table, got [1,2]`);
  const section = await loadError("spoke.json", JSON.stringify({ mqtt: [1883] }));
  assertNames(section.error, "mqtt", [1883]);
  const rules = { match: ".*" };
  const list = await loadError("spoke.json", JSON.stringify({ rules }));
  assertNames(list.error, "rules", rules);
  const tableArray = await loadError("spoke.toml", "[[mqtt]]\nport = 1\n");
  assertNames(tableArray.error, "mqtt", [{ port: 1 }]);
});

Deno.test("loadConfig() rejects a bad regular expression", async () => {
  const { error, file } = await loadError("spoke.toml", '[[rules]]\nmatch = "(["\n');
  assert.equal(
    error.message,
    `config ${file}: rules[0].match is not a valid regular expression, got "(["`,
  );
  assertNames(error, "rules[0].match", "([");
});

Deno.test("loadConfig() rejects a pattern that is only valid once anchored", async () => {
  const pattern = "a)|(?:b";
  const { error } = await loadError(
    "spoke.json",
    JSON.stringify({ catalog: { exclude: [pattern] } }),
  );
  assertNames(error, "catalog.exclude[0]", pattern);
});

Deno.test("loadConfig() rejects a duplicate network tag, naming both indexes", async () => {
  const network = (tag: string) => ({
    class: "gbfs",
    tag,
    name: `Network ${tag}`,
    url: `https://example.org/${tag}/gbfs.json`,
  });
  const networks = [network("a"), network("x"), network("b"), network("x")];
  const { error, file } = await loadError("spoke.json", JSON.stringify({ networks }));
  const first = networks.findIndex((entry) => entry.tag === "x");
  const second = networks.findLastIndex((entry) => entry.tag === "x");
  assert.equal(
    error.message,
    `config ${file}: networks[${second}].tag "x" duplicates networks[${first}].tag`,
  );
  assertNames(error, `networks[${second}].tag`, "x");
});

Deno.test("loadConfig() rejects a missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "spoke_config_test_" });
  try {
    const file = `${dir}/missing.toml`;
    const error = await loadConfig({ file }).catch((error: unknown) => error);
    assert.ok(error instanceof ConfigError);
    assert.equal(error.message, `config ${file}: file not found`);
    assert.equal(error.exitCode, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig() rejects a directory given as the file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "spoke_config_test_" });
  try {
    const error = await loadConfig({ file: dir }).catch((error: unknown) => error);
    assert.ok(error instanceof ConfigError, String(error));
    assert.ok(error.message.startsWith(`config ${dir}: `), error.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig() rejects a TOML syntax error with its line and column", async () => {
  const lines = ["[mqtt]", "port = 1883", "host = = 1", "[http]"];
  const badLine = lines.findIndex((line) => line.includes("= ="));
  const { error, file } = await loadError("bad.toml", lines.join("\n"));
  const match = /^config (.*): TOML syntax error at line (\d+), column (\d+): \S/.exec(
    error.message,
  );
  assert.ok(match, error.message);
  assert.equal(match[1], file);
  assert.equal(Number(match[2]), badLine + 1);
  assert.ok(Number(match[3]) >= 1 && Number(match[3]) <= lines[badLine]!.length + 1);
});

Deno.test("loadConfig() rejects a JSON syntax error with its line and column", async () => {
  const lines = ["{", '  "mqtt": {', '    "port": 1883,', "  }", "}"];
  const { error, file } = await loadError("bad.json", lines.join("\n"));
  // The trailing comma makes the closing brace the first wrong character.
  const line = lines.findIndex((text) => text === "  }");
  const column = lines[line]!.indexOf("}") + 1;
  assert.equal(
    error.message,
    `config ${file}: JSON syntax error at line ${line + 1}, column ${column}: ` +
      "expected a double-quoted property name",
  );
});

Deno.test("loadConfig() rejects truncated JSON", async () => {
  const { error, file } = await loadError("bad.json", '{"mqtt": {"port": 1883}');
  assert.equal(
    error.message,
    `config ${file}: JSON syntax error at line 1, column 24: expected ',' or '}' after a property value`,
  );
});

Deno.test("loadConfig() rejects interval and cron in the same rule", async () => {
  const rule = { match: ".*", interval: 60, cron: "*/2 * * * *" };
  const { error } = await loadError("spoke.json", JSON.stringify({ rules: [rule] }));
  assertNames(error, "rules[0].cron", rule.cron);
  assert.ok(error.message.includes("rules[0].interval"), error.message);
});

Deno.test("loadConfig() rejects a bad cron pattern", async () => {
  for (const cron of ["*/2 * * *", "61 * * * *", "0 0 1 1 * * 2030", "every minute"]) {
    const { error } = await loadError(
      "spoke.json",
      JSON.stringify({ rules: [{ match: ".*", cron }] }),
    );
    assertNames(error, "rules[0].cron", cron);
    assert.ok(error.message.includes("is not a valid cron pattern"), error.message);
  }
});

Deno.test("loadConfig() rejects a timezone without cron and an unknown timezone", async () => {
  const alone = await loadError(
    "spoke.toml",
    '[[rules]]\nmatch = ".*"\ntimezone = "Europe/Madrid"\n',
  );
  assertNames(alone.error, "rules[0].timezone", "Europe/Madrid");
  const unknown = await loadError(
    "spoke.toml",
    '[[rules]]\nmatch = ".*"\ncron = "* * * * *"\ntimezone = "Mars/Olympus"\n',
  );
  assertNames(unknown.error, "rules[0].timezone", "Mars/Olympus");
});

Deno.test("loadConfig() rejects a rule naming an unknown queue", async () => {
  const text =
    '[queues]\nslow = 1\n[[rules]]\nmatch = ".*"\n[[rules]]\nmatch = ".*"\nqueue = "fast"\n';
  const { error } = await loadError("spoke.toml", text);
  assertNames(error, "rules[1].queue", "fast");
  assert.ok(error.message.includes("default, slow"), error.message);
});

Deno.test("loadConfig() rejects a queue with zero workers", async () => {
  const { error } = await loadError("spoke.toml", "[queues]\nslow = 0\n");
  assertNames(error, "queues.slow", 0);
});

Deno.test("loadConfig() rejects a negative jitter", async () => {
  const { error, file } = await loadError("spoke.toml", '[[rules]]\nmatch = ".*"\njitter = -5\n');
  assert.equal(error.message, `config ${file}: rules[0].jitter must be a number >= 0, got -5`);
  assertNames(error, "rules[0].jitter", -5);
});

Deno.test("loadConfig() rejects a network URL that is not http(s)", async () => {
  for (const url of ["ftp://example.org/gbfs.json", "not a url"]) {
    const network = { class: "gbfs", tag: "my-city", name: "My City", url };
    const { error } = await loadError("spoke.json", JSON.stringify({ networks: [network] }));
    assertNames(error, "networks[0].url", url);
  }
});

Deno.test("loadConfig() rejects a bad network tag and an out-of-range latitude", async () => {
  const network = { class: "gbfs", tag: "My City", name: "My City", url: "https://e.org/g.json" };
  const tag = await loadError("spoke.json", JSON.stringify({ networks: [network] }));
  assertNames(tag.error, "networks[0].tag", network.tag);
  const location = { city: "X", country: "ES", latitude: 91, longitude: 0 };
  const placed = { ...network, tag: "my-city", location };
  const latitude = await loadError("spoke.json", JSON.stringify({ networks: [placed] }));
  assertNames(latitude.error, "networks[0].location.latitude", location.latitude);
});

Deno.test("loadConfig() rejects a bad port in the file", async () => {
  const { error } = await loadError("spoke.toml", "[http]\nport = 70000\n");
  assertNames(error, "http.port", 70000);
});

Deno.test("loadConfig() rejects an unknown subscribe_denied_reason, naming file, field and value", async () => {
  const { error, file } = await loadError(
    "spoke.toml",
    '[mqtt]\nsubscribe_denied_reason = "hidden"\n',
  );
  assert.equal(
    error.message,
    `config ${file}: mqtt.subscribe_denied_reason must be not-authorized or unspecified, got "hidden"`,
  );
  assertNames(error, "mqtt.subscribe_denied_reason", "hidden");
  const number = await loadError(
    "spoke.json",
    JSON.stringify({ mqtt: { subscribe_denied_reason: 135 } }),
  );
  assertNames(number.error, "mqtt.subscribe_denied_reason", 135);
  const env = await loadConfig({ env: { SPOKE_MQTT_SUBSCRIBE_DENIED_REASON: "0x80" } }).catch((e) =>
    e
  );
  assert.ok(env instanceof ConfigError);
  assert.equal(
    env.message,
    'env SPOKE_MQTT_SUBSCRIBE_DENIED_REASON: mqtt.subscribe_denied_reason must be not-authorized or unspecified, got "0x80"',
  );
});

Deno.test("loadConfig() rejects a bad env value, naming the env var", async () => {
  const error = await loadConfig({ env: { SPOKE_MQTT_PORT: "abc" } }).catch((error) => error);
  assert.ok(error instanceof ConfigError);
  assert.equal(
    error.message,
    'env SPOKE_MQTT_PORT: mqtt.port must be an integer 0..65535, got "abc"',
  );
  assert.equal(error.source, "env SPOKE_MQTT_PORT");
  assert.equal(error.path, "mqtt.port");
  const boolean = await loadConfig({ env: { SPOKE_HTTP_ENABLED: "maybe" } }).catch((e) => e);
  assert.equal(
    boolean.message,
    'env SPOKE_HTTP_ENABLED: http.enabled must be true or false, got "maybe"',
  );
});

Deno.test("loadConfig() rejects an unknown SPOKE_* setting and suggests the near one", async () => {
  const error = await loadConfig({ env: { SPOKE_MQT_PORT: "1884" } }).catch((e) => e);
  assert.ok(error instanceof ConfigError);
  assert.ok(error.message.startsWith("env SPOKE_MQT_PORT: "), error.message);
  assert.ok(error.message.includes('"1884"'), error.message);
  assert.ok(error.message.includes("SPOKE_MQTT_PORT"), error.message);
  const list = await loadConfig({ env: { SPOKE_CATALOG_INCLUDE: "gbfs::.*" } }).catch((e) => e);
  assert.ok(list instanceof ConfigError);
  assert.equal(list.path, "catalog.include");
});

Deno.test("loadConfig() rejects a bad flag value, naming the flag", async () => {
  const error = await loadConfig({ flags: { mqttPort: "x" } }).catch((e) => e);
  assert.ok(error instanceof ConfigError);
  assert.equal(error.message, 'flag --mqtt-port: mqtt.port must be an integer 0..65535, got "x"');
  const level = await loadConfig({ flags: { logLevel: "loud" } }).catch((e) => e);
  assert.ok(level instanceof ConfigError);
  assert.ok(level.message.startsWith("flag --log-level: log.level must be one of "), level.message);
  assert.ok(level.message.endsWith(', got "loud"'), level.message);
  const host = await loadConfig({ flags: { host: "" } }).catch((e) => e);
  assert.ok(host instanceof ConfigError);
  assert.ok(host.message.startsWith("flag --host: mqtt.host "), host.message);
});

Deno.test("parseConfigText() rejects a file that is neither .toml nor .json", () => {
  assert.throws(
    () => parseConfigText("port: 1883", "spoke.yaml"),
    (error: unknown) =>
      error instanceof ConfigError && error.message.startsWith("config spoke.yaml: ") &&
      error.message.includes(".toml or .json"),
  );
});

Deno.test("loadConfig() rejects each_city outside class nextbike, with city_uid, or not a boolean", async () => {
  const entry = (fields: Record<string, unknown>) => ({
    networks: [{
      class: "nextbike",
      tag: "nextbike-mr",
      name: "nextbike Ruhr",
      url: "https://maps.nextbike.net/maps/nextbike-live.json?domains=mr",
      ...fields,
    }],
  });
  const gbfs = await loadError(
    "spoke.json",
    JSON.stringify(entry({ class: "gbfs", each_city: true })),
  );
  assert.equal(
    gbfs.error.message,
    `config ${gbfs.file}: networks[0].each_city applies to class "nextbike" only, got true for class "gbfs"`,
  );
  assertNames(gbfs.error, "networks[0].each_city", true);
  const both = await loadError(
    "spoke.json",
    JSON.stringify(entry({ each_city: true, city_uid: 129 })),
  );
  assertNames(both.error, "networks[0].city_uid", 129);
  assert.match(both.error.message, /must be left out with each_city = true/);
  const text = await loadError("spoke.json", JSON.stringify(entry({ each_city: "yes" })));
  assertNames(text.error, "networks[0].each_city", "yes");
  assert.match(text.error.message, /must be true or false/);
});
