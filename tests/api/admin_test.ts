import assert from "node:assert/strict";
import { type AdminControl, createApi, MAX_BODY_BYTES } from "../../src/api/mod.ts";
import { defaultConfig } from "../../src/config/mod.ts";
import { FakeControl, sources } from "./_sources.ts";

const TOKEN = "s3cret-token";

function adminApi(token = TOKEN) {
  const control = new FakeControl();
  const config = defaultConfig();
  config.http.admin_token = token;
  config.publish.broker = "mqtts://spoke:hunter2@broker.example:8883";
  const admin: AdminControl = {
    token,
    pause: (target) => {
      control.calls.push(["pause", target]);
      const keys = control.matching(target);
      for (const key of keys) control.pausedKeys.add(key);
      return keys;
    },
    resume: (target) => {
      control.calls.push(["resume", target]);
      const keys = control.matching(target);
      for (const key of keys) control.pausedKeys.delete(key);
      return keys;
    },
    paused: () => [...control.pausedKeys].sort(),
    config: () => config,
  };
  const app = createApi({ ...sources().sources, admin });
  return { app, control, config };
}

function post(body?: string, token: string | null = TOKEN): RequestInit {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return { method: "POST", headers, body };
}

Deno.test("admin routes do not exist without a token", async () => {
  const { app } = adminApi("");
  for (const path of ["/admin/pause", "/admin/config"]) {
    const response = await app.request(path, post("{}", ""));
    assert.equal(response.status, 404, path);
    assert.match((await response.json()).error, /no route/);
  }
});

Deno.test("a missing or wrong token is a JSON 401 and changes nothing", async () => {
  const { app, control } = adminApi();
  const attempts: Array<[string, RequestInit]> = [
    ["/admin/pause", post("{}", null)],
    ["/admin/pause", post("{}", "wrong")],
    ["/admin/pause", post("{}", `${TOKEN}x`)],
    ["/admin/resume", { method: "POST", headers: { authorization: `Basic ${btoa("a:b")}` } }],
    ["/admin/config", { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } }],
    // A bad body behind a bad token still gets 401: the token is checked first.
    ["/admin/pause", post("{not json", "wrong")],
  ];
  for (const [path, init] of attempts) {
    const response = await app.request(path, init);
    assert.equal(response.status, 401, `${path} ${JSON.stringify(init.headers)}`);
    assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal(typeof (await response.json()).error, "string");
  }
  assert.deepEqual(control.calls, []);
  assert.equal(control.pausedKeys.size, 0);
});

Deno.test("POST /admin/pause and /admin/resume act on all, a class or a network", async () => {
  const { app, control } = adminApi();
  let response = await app.request("/admin/pause", post('{"class":"gbfs"}'));
  assert.equal(response.status, 200);
  const gbfs = control.keys.filter((key) => key.startsWith("gbfs::"));
  assert.deepEqual(await response.json(), { paused: gbfs, now: gbfs });

  response = await app.request("/admin/resume", post('{"network":"y"}'));
  assert.deepEqual(await response.json(), { resumed: ["gbfs::y"], now: ["gbfs::x"] });

  // An empty body means every network.
  response = await app.request("/admin/pause", post());
  assert.deepEqual((await response.json()).now, [...control.keys].sort());

  response = await app.request("/admin/paused", { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.deepEqual(await response.json(), { paused: [...control.keys].sort() });

  response = await app.request("/admin/resume", post("{}"));
  assert.deepEqual((await response.json()).now, []);
  assert.deepEqual(control.calls.map(([action]) => action), [
    "pause",
    "resume",
    "pause",
    "resume",
  ]);
});

Deno.test("pausing a class or network that matches nothing is a JSON 404", async () => {
  const { app } = adminApi();
  for (const body of ['{"class":"nope"}', '{"network":"gbfs::nope"}']) {
    const response = await app.request("/admin/pause", post(body));
    assert.equal(response.status, 404, body);
    assert.match((await response.json()).error, /no scheduled network matches/);
  }
});

Deno.test("bad admin bodies are JSON 4xx errors and change nothing", async () => {
  const { app, control } = adminApi();
  const cases: Array<[string, number, RegExp]> = [
    ["{not json", 400, /not valid JSON/],
    ["[1,2]", 400, /JSON object/],
    ['"gbfs"', 400, /JSON object/],
    ['{"class":""}', 400, /class must be a non-empty string/],
    ['{"class":3}', 400, /class must be a non-empty string/],
    ['{"clas":"gbfs"}', 400, /unknown field "clas"/],
    ['{"class":"gbfs","network":"x"}', 400, /not both/],
    [`{"class":"${"g".repeat(MAX_BODY_BYTES)}"}`, 413, /over/],
  ];
  for (const [body, status, message] of cases) {
    const response = await app.request("/admin/pause", post(body));
    assert.equal(response.status, status, body.slice(0, 40));
    assert.match((await response.json()).error, message, body.slice(0, 40));
  }
  assert.deepEqual(control.calls, []);
});

Deno.test("GET /admin/config is the effective config with its secrets redacted", async () => {
  const { app, config } = adminApi();
  const response = await app.request("/admin/config", {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(response.status, 200);
  const text = await response.text();
  assert.ok(!text.includes(TOKEN), "the admin token leaked");
  assert.ok(!text.includes("hunter2"), "the broker password leaked");
  const body = JSON.parse(text).config;
  assert.equal(body.http.admin_token, "[redacted]");
  assert.equal(body.publish.broker, "mqtts://spoke:[redacted]@broker.example:8883");
  // Everything else is the config as it is.
  assert.deepEqual(
    { ...body, http: config.http, publish: config.publish },
    JSON.parse(JSON.stringify(config)),
  );
});
