import assert from "node:assert/strict";
import { scrapeGbfs } from "../../src/scrape/mod.ts";
import type { NetworkSpec } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { type FeedOverride, startFeedServer } from "./_feed_server.ts";
import { fixtureJson, type Raw, rawStations } from "./_fixtures.ts";
import { captureLogs } from "./_logs.ts";

const DIVVY = "gbfs-v2.3-divvy-chicago";
const V30 = "gbfs-v3.0-schema-testfixtures";
const STATUS = `${DIVVY}/station_status.json`;
const INFORMATION = `${DIVVY}/station_information.json`;

function divvy(url: string): NetworkSpec {
  return { class: "gbfs", tag: "divvy", name: "Divvy", url };
}

/** Serves Divvy with `overrides` and scrapes it; the server closes whatever happens. */
async function scrapeDivvyWith(
  overrides: Record<string, FeedOverride>,
  check: (run: Promise<unknown>, url: (path: string) => string) => Promise<void>,
  ctx = testContext(),
): Promise<void> {
  await using server = startFeedServer({ overrides });
  const url = (path: string) => `${server.origin}/${path}`;
  await check(scrapeGbfs(divvy(server.url(DIVVY)), ctx), url);
}

/** A copy of a recorded document with one station's field replaced (or removed, for undefined). */
async function withStationField(
  set: string,
  file: string,
  index: number,
  field: string,
  value: unknown,
): Promise<Raw> {
  const document = await fixtureJson(set, file);
  const station = rawStations(document)[index]!;
  if (value === undefined) delete station[field];
  else station[field] = value;
  return document;
}

Deno.test("scrapeGbfs() fails naming station_status when it answers HTTP 500", async () => {
  await scrapeDivvyWith({ [STATUS]: { status: 500 } }, async (run, url) => {
    await rejectsFeed(run, url(STATUS), "HTTP 500");
  });
});

Deno.test("scrapeGbfs() fails naming station_information when it answers HTTP 404", async () => {
  await scrapeDivvyWith({ [INFORMATION]: { status: 404 } }, async (run, url) => {
    await rejectsFeed(run, url(INFORMATION), "HTTP 404");
  });
});

Deno.test("scrapeGbfs() fails naming gbfs.json when discovery itself fails", async () => {
  await scrapeDivvyWith({ [`${DIVVY}/gbfs.json`]: { status: 503 } }, async (run, url) => {
    await rejectsFeed(run, url(`${DIVVY}/gbfs.json`), "HTTP 503");
  });
});

Deno.test("scrapeGbfs() fails 'timed out' when a feed hangs past the task's timeout", async () => {
  await scrapeDivvyWith(
    { [STATUS]: { hang: true } },
    async (run, url) => {
      await rejectsFeed(run, url(STATUS), "timed out");
    },
    testContext({ signal: AbortSignal.timeout(150) }),
  );
});

Deno.test("scrapeGbfs() cancels the other feeds in flight when one fails", async () => {
  // station_information never answers; without the cancellation the scrape would
  // wait for it forever (the context has no timeout).
  await scrapeDivvyWith(
    { [INFORMATION]: { hang: true }, [STATUS]: { status: 500 } },
    async (run, url) => {
      await rejectsFeed(run, url(STATUS), "HTTP 500");
    },
  );
});

Deno.test("scrapeGbfs() fails 'invalid JSON' on a garbage station_status", async () => {
  await scrapeDivvyWith({ [STATUS]: { body: "\x00\x01 not json {" } }, async (run, url) => {
    await rejectsFeed(run, url(STATUS), /^invalid JSON: /);
  });
});

Deno.test("scrapeGbfs() fails when a feed is over the size cap (Content-Length)", async () => {
  await scrapeDivvyWith(
    { [STATUS]: { hugeBytes: 2 * 1024 * 1024, contentLength: true } },
    async (run, url) => {
      await rejectsFeed(run, url(STATUS), "response over 1048576 bytes");
    },
    testContext({ maxBytes: 1024 * 1024 }),
  );
});

Deno.test("scrapeGbfs() fails when a feed is over the size cap (chunked, no Content-Length)", async () => {
  await scrapeDivvyWith(
    { [STATUS]: { hugeBytes: 2 * 1024 * 1024 } },
    async (run, url) => {
      await rejectsFeed(run, url(STATUS), "response over 1048576 bytes");
    },
    testContext({ maxBytes: 1024 * 1024 }),
  );
});

Deno.test('scrapeGbfs() names the field and the value of a wrong type: num_bikes_available "x"', async () => {
  const status = await withStationField(
    DIVVY,
    "station_status.json",
    3,
    "num_bikes_available",
    "x",
  );
  await scrapeDivvyWith({ [STATUS]: { json: status } }, async (run, url) => {
    await rejectsFeed(
      run,
      url(STATUS),
      'data.stations[3].num_bikes_available must be a number, got "x"',
    );
  });
});

Deno.test("scrapeGbfs() names a required field that is missing: lat", async () => {
  const information = await withStationField(
    DIVVY,
    "station_information.json",
    0,
    "lat",
    undefined,
  );
  await scrapeDivvyWith({ [INFORMATION]: { json: information } }, async (run, url) => {
    await rejectsFeed(run, url(INFORMATION), "data.stations[0].lat is missing");
  });
});

Deno.test("scrapeGbfs() names a flag that is neither boolean nor 0/1", async () => {
  const status = await withStationField(DIVVY, "station_status.json", 1, "is_renting", "yes");
  await scrapeDivvyWith({ [STATUS]: { json: status } }, async (run, url) => {
    await rejectsFeed(
      run,
      url(STATUS),
      'data.stations[1].is_renting must be a boolean or a number, got "yes"',
    );
  });
});

Deno.test("scrapeGbfs() fails when data.stations is not an array", async () => {
  const status = { ...(await fixtureJson(DIVVY, "station_status.json")), data: { stations: {} } };
  await scrapeDivvyWith({ [STATUS]: { json: status } }, async (run, url) => {
    await rejectsFeed(run, url(STATUS), "data.stations must be an array, got {}");
  });
});

Deno.test("scrapeGbfs() names a GBFS 3 time that is not RFC 3339", async () => {
  const path = `${V30}/station_status.json`;
  const status = await withStationField(
    V30,
    "station_status.json",
    0,
    "last_reported",
    "yesterday",
  );
  await using server = startFeedServer({ overrides: { [path]: { json: status } } });
  await rejectsFeed(
    scrapeGbfs({ class: "gbfs", tag: "tier", name: "", url: server.url(V30) }, testContext()),
    `${server.origin}/${path}`,
    'data.stations[0].last_reported must be an RFC 3339 date-time, got "yesterday"',
  );
});

Deno.test("scrapeGbfs() drops a status station missing from information and logs the count", async () => {
  const status = await fixtureJson(DIVVY, "station_status.json");
  const stations = rawStations(status);
  stations.push({ ...stations[0]!, station_id: "not-in-information" });
  await using server = startFeedServer({ overrides: { [STATUS]: { json: status } } });
  const { result: network, records } = await captureLogs(() =>
    scrapeGbfs(divvy(server.url(DIVVY)), testContext())
  );
  const information = rawStations(await fixtureJson(DIVVY, "station_information.json"));
  assert.equal(network.stations.length, information.length);
  assert.ok(!network.stations.some((s) => s.id === "not-in-information"));
  const dropped = records.filter((r) => r.level === "warning");
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0]!.properties.count, 1);
  assert.equal(dropped[0]!.properties.tag, "divvy");
  assert.match(String(dropped[0]!.properties.ids), /not-in-information/);
});

Deno.test("scrapeGbfs() fails on an empty network", async () => {
  const status = { ...(await fixtureJson(DIVVY, "station_status.json")), data: { stations: [] } };
  await scrapeDivvyWith({ [STATUS]: { json: status } }, async (run, url) => {
    await rejectsFeed(
      run,
      url(`${DIVVY}/gbfs.json`),
      "no stations: station_status lists 0, station_information 25, none in both",
    );
  });
});

Deno.test("scrapeGbfs() fails when gbfs.json lists no station_status", async () => {
  const discovery = await fixtureJson(DIVVY, "gbfs.json");
  const languages = discovery.data as Record<string, { feeds: Raw[] }>;
  for (const language of Object.values(languages)) {
    language.feeds = language.feeds.filter((f) => f.name !== "station_status");
  }
  await scrapeDivvyWith({ [`${DIVVY}/gbfs.json`]: { json: discovery } }, async (run, url) => {
    await rejectsFeed(run, url(`${DIVVY}/gbfs.json`), "gbfs.json lists no station_status feed");
  });
});

Deno.test("scrapeGbfs() fails when a 3.x gbfs.json has the 2.x shape", async () => {
  const discovery = { ...(await fixtureJson(DIVVY, "gbfs.json")), version: "3.0" };
  await scrapeDivvyWith({ [`${DIVVY}/gbfs.json`]: { json: discovery } }, async (run, url) => {
    await rejectsFeed(run, url(`${DIVVY}/gbfs.json`), "data.feeds is missing");
  });
});

Deno.test("scrapeGbfs() fails when gbfs.json lists a feed URL that is not a URL", async () => {
  const discovery = {
    version: "3.0",
    data: { feeds: [{ name: "station_status", url: "http://[bad" }] },
  };
  await scrapeDivvyWith({ [`${DIVVY}/gbfs.json`]: { json: discovery } }, async (run, url) => {
    await rejectsFeed(
      run,
      url(`${DIVVY}/gbfs.json`),
      'feed station_status has an invalid URL "http://[bad"',
    );
  });
});

Deno.test("scrapeGbfs() names a GBFS 3 localized name whose text is not a string", async () => {
  const path = `${V30}/station_information.json`;
  const information = await withStationField(V30, "station_information.json", 2, "name", [
    { language: "en", text: 5 },
  ]);
  await using server = startFeedServer({ overrides: { [path]: { json: information } } });
  await rejectsFeed(
    scrapeGbfs({ class: "gbfs", tag: "tier", name: "", url: server.url(V30) }, testContext()),
    `${server.origin}/${path}`,
    "data.stations[2].name[0].text must be a string, got 5",
  );
});

Deno.test("scrapeGbfs() names a GBFS 3 localized name with no translation", async () => {
  const path = `${V30}/station_information.json`;
  const information = await withStationField(V30, "station_information.json", 0, "name", []);
  await using server = startFeedServer({ overrides: { [path]: { json: information } } });
  await rejectsFeed(
    scrapeGbfs({ class: "gbfs", tag: "tier", name: "", url: server.url(V30) }, testContext()),
    `${server.origin}/${path}`,
    "data.stations[0].name must hold at least one translation, got []",
  );
});

Deno.test("scrapeGbfs() fails 'aborted' at once when the task is already cancelled", async () => {
  const controller = new AbortController();
  controller.abort();
  await scrapeDivvyWith({}, async (run, url) => {
    await rejectsFeed(run, url(`${DIVVY}/gbfs.json`), "aborted");
  }, testContext({ signal: controller.signal }));
});
