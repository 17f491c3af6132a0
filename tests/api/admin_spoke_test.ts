/**
 * The admin routes against a real Spoke: its HTTP listener on a free port,
 * its real scheduler, over real fetch.
 */
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/mod.ts";
import { Spoke } from "../../src/spoke.ts";
import type { NetworkSpec } from "../../src/scrape/mod.ts";
import { parsePrometheus } from "./_prometheus.ts";

const TOKEN = "t0ken";

function spec(cls: string, tag: string): NetworkSpec {
  // Never fetched: the rule below keeps every network from running at start.
  return { class: cls, tag, name: tag, url: "http://127.0.0.1:9/gbfs.json" };
}

async function startSpoke(): Promise<Spoke> {
  const config = defaultConfig();
  config.mqtt.enabled = false;
  config.http.port = 0;
  config.http.admin_token = TOKEN;
  config.rules.push({ match: ".*", interval: 3600, run_at_start: false });
  return await Spoke.start(config, {
    networks: [spec("gbfs", "a"), spec("gbfs", "b"), spec("gbfs", "c")],
  });
}

async function admin(spoke: Spoke, path: string, body: string, token = TOKEN) {
  const response = await fetch(`http://127.0.0.1:${spoke.httpAddress!.port}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("Spoke.pause()/resume() over /admin stop and restart real schedules", async () => {
  const spoke = await startSpoke();
  try {
    const keys = [...spoke.jobs.keys()].sort();
    let answer = await admin(spoke, "/admin/pause", '{"network":"gbfs::b"}');
    assert.equal(answer.status, 200);
    assert.deepEqual(spoke.paused(), ["gbfs::b"]);
    assert.equal(spoke.stats().paused, 1);

    answer = await admin(spoke, "/admin/pause", "{}", "wrong");
    assert.equal(answer.status, 401);
    assert.deepEqual(spoke.paused(), ["gbfs::b"], "a wrong token changed something");

    answer = await admin(spoke, "/admin/pause", '{"class":"gbfs"}');
    assert.deepEqual(answer.body, { paused: keys, now: keys });

    answer = await admin(spoke, "/admin/resume", '{"network":"a"}');
    assert.deepEqual(answer.body.now, keys.filter((key) => key !== "gbfs::a"));

    answer = await admin(spoke, "/admin/resume", "");
    assert.deepEqual(answer.body.now, []);
    assert.equal(spoke.stats().paused, 0);
  } finally {
    await spoke.stop();
  }
});

Deno.test("a real Spoke's /metrics is valid Prometheus text with its engine and process families", async () => {
  const spoke = await startSpoke();
  try {
    const response = await fetch(`http://127.0.0.1:${spoke.httpAddress!.port}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    const samples = parsePrometheus(text);
    assert.equal(samples.get("spoke_networks"), spoke.jobs.size);
    assert.ok(samples.get("process_resident_memory_bytes")! > 0);
    // Each family once, whichever side renders it.
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]);
    assert.equal(new Set(families).size, families.length);
  } finally {
    await spoke.stop();
  }
});
