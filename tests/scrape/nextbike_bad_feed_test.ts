import { type NetworkSpec, scrapeNextbike } from "../../src/scrape/mod.ts";
import { rejectsFeed, testContext } from "./_assertions.ts";
import { type FeedOverride, startFeedServer } from "./_feed_server.ts";
import { fixtureJson, type Raw } from "./_fixtures.ts";
import { JSON_SET, XML_SET } from "./_nextbike_raw.ts";

const XML_PATH = `${XML_SET}/nextbike-live.xml`;
const JSON_PATH = `${JSON_SET}/nextbike-live.json`;

async function scrapeWith(
  path: string,
  override: FeedOverride,
  reason: string | RegExp,
  uid = 1,
): Promise<void> {
  await using server = startFeedServer({ overrides: { [path]: override } });
  const url = `${server.origin}/${path}`;
  const spec: NetworkSpec = { class: "nextbike", tag: "leipzig", name: "", url, "city_uid": uid };
  await rejectsFeed(scrapeNextbike(spec, testContext()), url, reason);
}

async function xmlWith(edit: (xml: string) => string): Promise<FeedOverride> {
  const xml = await Deno.readTextFile(new URL(`../fixtures/${XML_PATH}`, import.meta.url));
  return { body: edit(xml) };
}

async function jsonWith(edit: (places: Raw[]) => void): Promise<FeedOverride> {
  const document = await fixtureJson(JSON_SET, "nextbike-live.json");
  edit(((document.countries as Raw[])[0]!.cities as Raw[])[0]!.places as Raw[]);
  return { json: document };
}

Deno.test("scrapeNextbike() fails 'HTTP 500' when the domain feed does", async () => {
  await scrapeWith(XML_PATH, { status: 500 }, "HTTP 500");
});

Deno.test("scrapeNextbike() fails 'HTTP 404' on a missing feed", async () => {
  await scrapeWith(XML_PATH, { status: 404 }, "HTTP 404");
});

Deno.test("scrapeNextbike() fails 'invalid XML' naming line and column on garbage", async () => {
  await scrapeWith(
    XML_PATH,
    { body: "<markers><country></markers>" },
    /^invalid XML: .* at line 1, column \d+$/,
  );
});

Deno.test("scrapeNextbike() fails 'invalid JSON' on a garbage JSON feed", async () => {
  await scrapeWith(JSON_PATH, { body: "{countries:" }, /^invalid JSON: /);
});

Deno.test("scrapeNextbike() refuses an XML feed with a DOCTYPE", async () => {
  await scrapeWith(
    XML_PATH,
    await xmlWith((xml) => xml.replace("<markers>", "<!DOCTYPE markers><markers>")),
    /^invalid XML: DTDs and declarations are not supported/,
  );
});

Deno.test("scrapeNextbike() names an XML place whose lat is not a number", async () => {
  await scrapeWith(
    XML_PATH,
    await xmlWith((xml) => xml.replace(/lat="51\.340505159701"/, 'lat="north"')),
    'countries[0].cities[0].places[0].lat must be a number, got "north"',
  );
});

Deno.test("scrapeNextbike() names a JSON place whose spot is not a flag", async () => {
  await scrapeWith(
    JSON_PATH,
    await jsonWith((places) => places[2]!.spot = "yes"),
    /^countries\[0\]\.cities\[0\]\.places\[2\]\.spot must be true, false, 1 or 0/,
  );
});

Deno.test("scrapeNextbike() names a bike_types attribute that is not JSON", async () => {
  await scrapeWith(
    XML_PATH,
    await xmlWith((xml) =>
      xml.replace('bike_types="{&quot;5&quot;:1,&quot;4&quot;:1}"', 'bike_types="{5:1"')
    ),
    /^countries\[0\]\.cities\[0\]\.places\[0\]\.bike_types must be a JSON object of counts/,
  );
});

Deno.test("scrapeNextbike() names a negative bike count", async () => {
  await scrapeWith(
    JSON_PATH,
    await jsonWith((places) => {
      places[0]!.bike_types = {};
      places[0]!.bikes = -2;
    }),
    /^countries\[0\]\.cities\[0\]\.places\[0\]\.bikes must be a count/,
  );
});

Deno.test("scrapeNextbike() fails when the city uid is not in the domain feed", async () => {
  await scrapeWith(
    XML_PATH,
    {},
    "city uid 999 is not in the feed (cities: 1, 7, 129, 130, 14)",
    999,
  );
});

Deno.test("scrapeNextbike() fails on a city with no place (an empty network)", async () => {
  await scrapeWith(
    JSON_PATH,
    await jsonWith((places) => places.splice(0)),
    "empty network: city Leipzig (uid 1) lists no place",
  );
});

Deno.test("scrapeNextbike() fails when the XML root is not <markers>", async () => {
  await scrapeWith(
    XML_PATH,
    { body: "<html><body>maintenance</body></html>" },
    "countries is missing",
  );
});

Deno.test("scrapeNextbike() fails when the feed is over the size cap", async () => {
  await using server = startFeedServer({
    overrides: { [XML_PATH]: { hugeBytes: 1 << 20, contentLength: true } },
  });
  const url = `${server.origin}/${XML_PATH}`;
  await rejectsFeed(
    scrapeNextbike(
      { class: "nextbike", tag: "leipzig", name: "", url, "city_uid": 1 },
      testContext({ maxBytes: 64 * 1024 }),
    ),
    url,
    `response over ${64 * 1024} bytes`,
  );
});
