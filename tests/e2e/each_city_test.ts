/**
 * A Nextbike `each_city` entry against a real Spoke: discovery over a real
 * feed server, one network per city scraped and published retained by the
 * embedded broker to an MQTT.js subscriber; cities that come and go; a feed
 * that fails keeps what was found.
 */
import assert from "node:assert/strict";
import { defaultConfig } from "../../src/config/mod.ts";
import { Spoke } from "../../src/spoke.ts";
import { startFeedServer } from "../scrape/_feed_server.ts";
import { XML_SET } from "../scrape/_nextbike_raw.ts";
import { connectClient, Inbox } from "../broker/_helpers.ts";

const LIVE_XML = `${XML_SET}/nextbike-live.xml`;

function configFor(url: string) {
  const config = defaultConfig();
  config.mqtt.port = 0;
  config.http.enabled = false;
  config.catalog.builtin = false;
  config.networks.push({
    class: "nextbike",
    tag: "nextbike-mr",
    name: "metropolradruhr",
    url,
    "each_city": true,
  });
  // One run at start, then none while the test looks.
  config.rules.push({ match: "nextbike::.*", interval: 3600, jitter: 0 });
  return config;
}

/** Resolves once `check` holds, looking every 10 ms; fails after 30 s rather than hang. */
async function eventually(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 30_000) assert.fail("the condition did not hold within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("an each_city entry becomes one network per city of its feed, published retained", async () => {
  await using server = startFeedServer();
  const url = `${server.url(XML_SET, "nextbike-live.xml")}?domains=mr`;
  const spoke = await Spoke.start(configFor(url));
  try {
    await eventually(() => spoke.store.all().filter((state) => state.network).length === 5);
    // The fixture's feed answers with all three domains: every city is one network.
    const keys = [...spoke.jobs.keys()].sort();
    assert.deepEqual(keys, [
      "nextbike::nextbike-mr-bochum",
      "nextbike::nextbike-mr-dortmund",
      "nextbike::nextbike-mr-koeln",
      "nextbike::nextbike-mr-leipzig",
      "nextbike::nextbike-mr-wiesbaden",
    ]);
    assert.equal(spoke.jobs.get("nextbike::nextbike-mr-dortmund")?.spec.city_uid, 129);
    // Discovery and the five scrapes shared one request.
    assert.equal(server.requests.filter((seen) => seen.path.endsWith(LIVE_XML)).length, 1);

    await using client = await connectClient(spoke.broker!, 5);
    const inbox = new Inbox(client);
    await client.subscribeAsync("network/nextbike/+/update");
    const dortmund = await inbox.waitForTopic("network/nextbike/nextbike-mr-dortmund/update");
    assert.equal(dortmund.packet.retain, true);
    const network = JSON.parse(dortmund.payload);
    assert.equal(network.name, "metropolradruhr Dortmund");
    assert.equal(network.location.city, "Dortmund");
    assert.ok(network.stations.length > 0);
  } finally {
    await spoke.stop();
  }
});

Deno.test("each_city: a failing feed says why and keeps what was found; cities come and go", async () => {
  await using server = startFeedServer();
  server.overrides[LIVE_XML] = { status: 500 };
  const url = `${server.url(XML_SET, "nextbike-live.xml")}?domains=mr`;
  const config = configFor(url);
  config.http.enabled = true;
  config.http.port = 0;
  config.rules.push({ match: "nextbike::.*", run_at_start: false });
  const spoke = await Spoke.start(config);
  const health = async () => {
    const response = await fetch(`http://127.0.0.1:${spoke.httpAddress!.port}/health`);
    return (await response.json()) as { problems: string[] };
  };
  try {
    // The discovery at start failed: no network yet, and /health says why.
    await eventually(() => spoke.metrics.render().includes("spoke_city_discovery_failures_total{"));
    assert.equal(spoke.jobs.size, 0);
    assert.ok(
      (await health()).problems.includes(
        `nextbike::nextbike-mr: finding its cities failed: feed ${url}: HTTP 500`,
      ),
    );

    delete server.overrides[LIVE_XML];
    let results = await spoke.discoverCities();
    assert.equal(results[0]?.networks?.length, 5);
    assert.equal(spoke.jobs.size, 5);
    assert.deepEqual((await health()).problems, []);

    // A new URL (not shared from the cache) that fails: the five cities stay.
    server.overrides[LIVE_XML] = { status: 503 };
    const moved = configFor(`${url}&v=2`);
    moved.http.enabled = false;
    moved.rules.push({ match: "nextbike::.*", run_at_start: false });
    spoke.reload(moved);
    results = await spoke.discoverCities();
    assert.match(results[0]?.error ?? "", /HTTP 503$/);
    assert.equal(spoke.jobs.size, 5);

    // It answers with Dortmund and a new city: Hamm is added, the other four go.
    server.overrides[LIVE_XML] = {
      body: `<markers><country domain="mr" country="DE">` +
        `<city uid="129" name="Dortmund" alias="dortmund" lat="51.5" lng="7.4"><place uid="1" lat="51.5" lng="7.4" name="Hbf" spot="1" bikes="2"/></city>` +
        `<city uid="300" name="Hamm" lat="51.7" lng="7.8"><place uid="2" lat="51.7" lng="7.8" name="Markt" spot="1" bikes="1"/></city>` +
        `</country></markers>`,
    };
    results = await spoke.discoverCities();
    assert.deepEqual(results, [{
      key: "nextbike::nextbike-mr",
      networks: ["nextbike::nextbike-mr-dortmund", "nextbike::nextbike-mr-hamm"],
    }]);
    assert.deepEqual([...spoke.jobs.keys()].sort(), results[0]!.networks);
    assert.equal(spoke.jobs.get("nextbike::nextbike-mr-hamm")?.spec.url, `${url}&v=2`);

    // Failing again, then removed from the config: its cities go with it, and so does the problem.
    server.overrides[LIVE_XML] = { status: 500 };
    const failing = configFor(`${url}&v=3`);
    failing.rules.push({ match: "nextbike::.*", run_at_start: false });
    spoke.reload(failing);
    await spoke.discoverCities();
    assert.ok(
      (await health()).problems.some((problem) => problem.startsWith("nextbike::nextbike-mr:")),
    );
    const none = configFor(url);
    none.networks = [];
    spoke.reload(none);
    await spoke.discoverCities();
    assert.equal(spoke.jobs.size, 0);
    assert.deepEqual((await health()).problems, []);
  } finally {
    await spoke.stop();
  }
});
